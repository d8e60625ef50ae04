import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from './config.js';
import { AgentError } from './errors.js';
import { agentSources } from './agent-sources.js';
import { PcapPacketSource, PerfSamplingSource, SourceSet, type VmEvent, writePcap } from '@bpfleet/vm-host';
import { corpusObject, udpFrame } from '@bpfleet/vm-host/testing';

const xdp = corpusObject('minimal').programs[0]!;
const perf = corpusObject('perf_event_oncpu').programs[0]!;

describe(SourceSet.name, () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'bpfleet-set-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should start a source only while a program takes its events, restart live ones, replay files once', async () => {
    const file = join(dir, 'f.pcap');
    writeFileSync(file, writePcap([{ timestampNs: 0n, data: udpFrame(1) }, { timestampNs: 1n, data: udpFrame(2) }]));
    const pcap = new PcapPacketSource(file, { speed: 'max' });
    const sampler = new PerfSamplingSource({ frequency: 1000, cpus: [0] });
    const events: VmEvent[] = [];
    const errors: string[] = [];
    const set = new SourceSet([pcap, sampler], (e) => events.push(e), (s, e) => errors.push(`${s.description}: ${e.message}`));
    try {
      await set.sync([]);
      expect(set.isRunning(pcap) || set.isRunning(sampler)).toBe(false);
      await set.sync([xdp]);
      await pcap.done;
      expect(events.filter((e) => e.kind === 'packet')).toHaveLength(2);
      expect(set.isRunning(sampler)).toBe(false);
      await set.sync([]);
      await set.sync([xdp]); // a file is not replayed again
      expect(events.filter((e) => e.kind === 'packet')).toHaveLength(2);
      await set.sync([perf]);
      expect(set.isRunning(sampler)).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      await set.sync([]);
      expect(set.isRunning(sampler)).toBe(false);
      const sampled = events.filter((e) => e.kind === 'perf_sample').length;
      expect(sampled).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 30));
      expect(events.filter((e) => e.kind === 'perf_sample').length).toBe(sampled); // stopped
      await set.sync([perf]); // live sources start again
      expect(set.isRunning(sampler)).toBe(true);
    } finally {
      await set.stop();
    }
    expect(errors).toEqual([]);
  });

  it('should report a source that cannot start once, not on every change', async () => {
    const errors: string[] = [];
    const missing = new PcapPacketSource(join(dir, 'missing.pcap'));
    const set = new SourceSet([missing], () => undefined, (s, e) => errors.push(`${s.description}: ${(e as NodeJS.ErrnoException).code}`));
    await set.sync([xdp]);
    await set.sync([xdp]);
    expect(errors).toEqual([`pcap ${join(dir, 'missing.pcap')}: ENOENT`]);
  });
});

describe('agent source configuration', () => {
  const key = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n';
  it('should read the source settings with defaults and refuse bad values', () => {
    const c = resolveConfig({ controllerPublicKey: key, pcapFile: '/x.pcap', replayFile: '/r.bprec', replaySpeed: '4x', perfFrequency: '49' });
    expect([c.pcapFile, c.replayFile, c.replaySpeed, c.perfFrequency]).toEqual(['/x.pcap', '/r.bprec', 4, 49]);
    const d = resolveConfig({ controllerPublicKey: key });
    expect([d.replaySpeed, d.perfFrequency]).toEqual([1, 99]);
    expect(resolveConfig({ controllerPublicKey: key, replaySpeed: 'max' }).replaySpeed).toBe('max');
    expect(() => resolveConfig({ controllerPublicKey: key, replaySpeed: 'warp' })).toThrow(AgentError);
    expect(() => resolveConfig({ controllerPublicKey: key, perfFrequency: '0' })).toThrow(AgentError);
    const sources = agentSources({ ...d, interface: 'lo', pcapFile: '/x.pcap', appEventSocket: '/tmp/s.sock' }, () => undefined, () => undefined);
    expect(sources.sources.map((s) => s.description.split(' ').slice(0, 2).join(' '))).toEqual(['app events', 'interface lo', 'pcap /x.pcap', 'perf sampling']);
  });
});
