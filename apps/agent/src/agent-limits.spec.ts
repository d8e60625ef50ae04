import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from './config.js';
import { DiskBuffer } from './disk-buffer.js';
import { AgentError } from './errors.js';
import { StateStore } from './state-store.js';

const key = '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n';

describe('resource limit and run statistics settings', () => {
  it('defaults to half a core per VM program and kernel run statistics on', () => {
    expect(resolveConfig({ controllerPublicKey: key })).toMatchObject({ vmCpuBudget: 0.5, kernelRunStats: true, vmBudget: 1_000_000 });
  });

  it('takes them from files (numbers, booleans) and the environment (strings)', () => {
    expect(resolveConfig({ controllerPublicKey: key, vmCpuBudget: 0.25, kernelRunStats: false })).toMatchObject({ vmCpuBudget: 0.25, kernelRunStats: false });
    expect(resolveConfig({ controllerPublicKey: key }, { vmCpuBudget: '2', kernelRunStats: 'off' })).toMatchObject({ vmCpuBudget: 2, kernelRunStats: false });
    expect(resolveConfig({ controllerPublicKey: key }, { kernelRunStats: '1' }).kernelRunStats).toBe(true);
  });

  it('refuses values that are not a positive share or a yes/no', () => {
    for (const bad of ['0', '-1', 'lots', 'NaN']) expect(() => resolveConfig({ controllerPublicKey: key, vmCpuBudget: bad })).toThrow(AgentError);
    expect(() => resolveConfig({ controllerPublicKey: key, kernelRunStats: 'maybe' })).toThrow(/must be true or false/);
  });
});

describe('sequence commits', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'agent-seq-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('persists a committed sequence and never goes backwards', () => {
    const a = new StateStore(dir);
    expect(a.commitSeq(5)).toBe(5);
    expect(() => a.commitSeq(5)).toThrow(expect.objectContaining({ code: 'STATE_CORRUPT' }));
    expect(() => a.commitSeq(3)).toThrow(AgentError);
    expect(new StateStore(dir).nextSeq()).toBe(6);
  });

  it('drops what a process killed mid-write left of a batch, keeps the whole ones', () => {
    const buf = join(dir, 'buf');
    mkdirSync(buf);
    writeFileSync(join(buf, '0000000000000007.msg'), 'whole');
    writeFileSync(join(buf, '0000000000000008.msg.4242.tmp'), 'ha');
    const b = new DiskBuffer(buf, 1000);
    expect(b.length).toBe(1);
    expect(b.lastSeq).toBe(7);
    expect(readdirSync(buf)).toEqual(['0000000000000007.msg']);
  });
});
