import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricBatch } from '@bpfleet/protocol';
import { Agent } from './agent.js';
import { FleetFixture, corpus, eventually } from './testing/fleet-fixture.js';
import { writePcap } from '@bpfleet/vm-host';
import { openatRecording, udpFrame } from '@bpfleet/vm-host/testing';

const haveCorpus = existsSync(join(import.meta.dirname, '../../../tests/bpf/build/minimal.o'));
if (!haveCorpus) console.warn('agent source integration tests skipped: build the corpus first (bash tests/bpf/build.sh)');
const describeCorpus = haveCorpus ? describe : describe.skip;

function total(batches: MetricBatch[], program: string, map: string, key?: (k: unknown) => boolean): number {
  let sum = 0;
  for (const b of batches) {
    if (b.program !== program) continue;
    for (const m of b.maps) if (m.map === map) for (const e of m.entries) if (!key || key(e.key)) sum += Number(e.value);
  }
  return sum;
}

describeCorpus('agent VM event sources (real NATS)', () => {
  let fleet: FleetFixture;
  let agent: Agent | undefined;

  beforeAll(async () => {
    fleet = await FleetFixture.create();
  });
  afterAll(async () => {
    await agent?.stop();
    await fleet?.close();
  });

  it('should drive VM programs from a pcap file, a recording and perf sampling configured on the agent, and stream their counters', async () => {
    const base = fleet.config({ runtime: 'vm', agentId: 'vm-sources-1' });
    const pcap = join(base.dataDir, 'frames.pcap');
    writeFileSync(pcap, writePcap(Array.from({ length: 25 }, (_, i) => ({ timestampNs: BigInt(i) * 1000n, data: udpFrame(9999) }))));
    const rec = join(base.dataDir, 'openat.bprec');
    writeFileSync(rec, openatRecording([{ pid: 10, comm: 'cat' }, { pid: 10, comm: 'cat' }, { pid: 10, comm: 'cat' }, { pid: 11, comm: 'sh' }], 5n));
    agent = await Agent.start({ ...base, pcapFile: pcap, replayFile: rec, replaySpeed: 'max', perfFrequency: 200 });
    const statuses = fleet.statuses(agent.id);
    await fleet.setDesired(agent.id, [
      await fleet.publishArtifact('pktcount', 1, corpus('minimal.o')),
      await fleet.publishArtifact('opens', 1, corpus('kernel_openat.o')),
      await fleet.publishArtifact('oncpu', 1, corpus('perf_event_oncpu.o')),
    ]);
    await eventually(() => (statuses.flatMap((s) => s.programs).filter((p) => p.state === 'loaded').length >= 3 ? true : undefined), 10_000, 'three programs loaded');

    const batches = await eventually(async () => {
      const b = await fleet.metrics();
      return total(b, 'pktcount', 'counter') === 25 && total(b, 'opens', 'opens') === 4 && total(b, 'oncpu', 'samples') >= 5 ? b : undefined;
    }, 15_000, 'counts from every source');
    expect(total(batches, 'opens', 'opens', (k) => (k as { pid: number }).pid === 10)).toBe(3);
    expect(total(batches, 'opens', 'opens', (k) => (k as { comm: string }).comm === 'sh')).toBe(1);
    // Finite sources ran once: nothing more arrives for them.
    await new Promise((r) => setTimeout(r, 700));
    const later = await fleet.metrics();
    expect(total(later, 'pktcount', 'counter')).toBe(25);
    expect(total(later, 'opens', 'opens')).toBe(4);
  });
});
