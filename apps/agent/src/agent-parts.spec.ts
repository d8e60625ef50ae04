import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BpfMapType, type BpfMapSpec } from '@bpfleet/elf';
import { parseAppEvent } from '@bpfleet/vm-host';
import { parseDuration, parseLabels, resolveConfig } from './config.js';
import { DiskBuffer } from './disk-buffer.js';
import { AgentError } from './errors.js';
import { MapSnapshotter, classifyMap } from './map-snapshot.js';
import { StateStore } from './state-store.js';

const spec = (over: Partial<BpfMapSpec>): BpfMapSpec => ({ name: 'm', type: BpfMapType.HASH, keySize: 4, valueSize: 8, maxEntries: 16, flags: 0, origin: 'btf', section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0, pinning: 0, ...over });
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: bigint) => new Uint8Array(new BigUint64Array([n]).buffer);

describe('map snapshots', () => {
  it('classifies integer maps as counters, histogram-named ones as log2 histograms, structs as gauges', () => {
    expect(classifyMap(spec({ name: 'pkts' }), undefined)).toBe('counter');
    expect(classifyMap(spec({ name: 'latency_hist' }), undefined)).toBe('log2_histogram');
    expect(classifyMap(spec({ name: 'last_seen' }), undefined)).toBe('gauge');
    expect(classifyMap(spec({ name: 'stats', valueSize: 24 }), undefined)).toBe('gauge');
  });

  it('sends counter deltas since the previous snapshot, only for keys that changed, summing per-CPU slots', () => {
    const s = new MapSnapshotter(undefined);
    const map = spec({ name: 'pkts', type: BpfMapType.PERCPU_HASH });
    const value = (a: bigint, b: bigint) => new Uint8Array([...u64(a), ...u64(b)]);
    const first = s.snapshot({ spec: map, perCpu: true, cpus: 2, entries: [{ key: u32(1), value: value(2n, 3n) }, { key: u32(2), value: value(1n, 0n) }] });
    expect(first.entries.map((e) => [e.keyHex, e.value])).toEqual([['01000000', 5], ['02000000', 1]]);
    const second = s.snapshot({ spec: map, perCpu: true, cpus: 2, entries: [{ key: u32(1), value: value(4n, 3n) }, { key: u32(2), value: value(1n, 0n) }] });
    expect(second.entries.map((e) => [e.keyHex, e.value, e.valueHex])).toEqual([['01000000', 2, '0200000000000000']]);
    // A value that went down (map recreated) restarts from zero.
    const third = s.snapshot({ spec: map, perCpu: true, cpus: 2, entries: [{ key: u32(1), value: value(1n, 0n) }] });
    expect(third.entries.map((e) => e.value)).toEqual([1]);
  });

  it('keeps counters beyond 2^53 exact as decimal strings', () => {
    const s = new MapSnapshotter(undefined);
    const big = (1n << 60n) + 1n;
    const snap = s.snapshot({ spec: spec({ name: 'bytes' }), perCpu: false, cpus: 1, entries: [{ key: u32(0), value: u64(big) }] });
    expect(snap.entries[0].value).toBe(big.toString());
  });

  it('carries counter baselines over (version swap keeps deltas continuous)', () => {
    const a = new MapSnapshotter(undefined);
    a.snapshot({ spec: spec({ name: 'pkts' }), perCpu: false, cpus: 1, entries: [{ key: u32(0), value: u64(10n) }] });
    const b = new MapSnapshotter(undefined);
    b.importBaselines(a.exportBaselines());
    const snap = b.snapshot({ spec: spec({ name: 'pkts' }), perCpu: false, cpus: 1, entries: [{ key: u32(0), value: u64(12n) }] });
    expect(snap.entries[0].value).toBe(2);
  });
});

describe('config', () => {
  const key = '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n';
  it('layers file < env < flags and parses durations and labels', () => {
    const c = resolveConfig({ runtime: 'vm', snapshotInterval: '5s', labels: 'a=1' }, { snapshotInterval: '250ms' }, { controllerPublicKey: key, labels: { b: '2' } });
    expect(c).toMatchObject({ runtime: 'vm', snapshotIntervalMs: 250, labels: { b: '2' }, natsUrls: ['nats://127.0.0.1:4222'], prefix: 'bpfleet' });
    expect(parseDuration('1m', 'x')).toBe(60_000);
    expect(parseLabels('env=prod, zone=a')).toEqual({ env: 'prod', zone: 'a' });
  });
  it('refuses bad values with typed errors', () => {
    expect(() => resolveConfig({})).toThrow(AgentError);
    expect(() => resolveConfig({ controllerPublicKey: key, runtime: 'gpu' })).toThrow(/runtime must be/);
    expect(() => parseDuration('soon', 'interval')).toThrow(AgentError);
    expect(() => parseLabels('novalue')).toThrow(AgentError);
  });
});

describe('state and disk buffer', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'agent-state-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the agent id and the sequence across instances', () => {
    const a = new StateStore(dir);
    const id = a.agentId();
    expect(a.nextSeq()).toBe(1);
    expect(a.nextSeq()).toBe(2);
    const b = new StateStore(dir);
    expect(b.agentId()).toBe(id);
    expect(b.nextSeq()).toBe(3);
    expect(() => b.agentId('bad id')).toThrow(AgentError);
  });

  it('replays in sequence order after a restart and drops the oldest, counted, when full', () => {
    const drops: number[] = [];
    const buf = new DiskBuffer(join(dir, 'buf'), 25, (seq) => drops.push(seq));
    for (let seq = 1; seq <= 3; seq++) buf.push(seq, new Uint8Array(10).fill(seq));
    expect(drops).toEqual([1]);
    expect(buf.dropped).toBe(1);
    const again = new DiskBuffer(join(dir, 'buf'), 25);
    expect(again.length).toBe(2);
    expect(again.peek()?.seq).toBe(2);
    again.remove(2);
    expect(again.peek()).toMatchObject({ seq: 3, data: new Uint8Array(10).fill(3) });
  });
});

describe('application events', () => {
  it('parses probe + hex payload lines and refuses anything else', () => {
    expect(parseAppEvent('{"probe":"req","payload":"0102"}')).toEqual({ probe: 'req', payload: new Uint8Array([1, 2]) });
    expect(parseAppEvent('{"probe":"req"}')?.payload.length).toBe(0);
    for (const bad of ['', 'nope', '{"payload":"00"}', '{"probe":"x","payload":"0"}', '{"probe":"x","payload":"zz"}', '[]', 'null']) expect(parseAppEvent(bad)).toBeUndefined();
  });
});
