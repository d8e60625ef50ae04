import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { probeKernel } from '@bpfleet/kernel';
import type { MetricBatch } from '@bpfleet/protocol';
import { Agent } from './agent.js';
import { FleetFixture, corpus, eventually } from './testing/fleet-fixture.js';
import { TestVeth } from './sources/testing/netns.js';

const caps = probeKernel({ helpers: false });
const skip = !existsSync(join(import.meta.dirname, '../../../tests/bpf/build/minimal.o'))
  ? 'build the corpus first (bash tests/bpf/build.sh)'
  : !caps.canLoad
    ? 'cannot load BPF programs here'
    : !caps.attach.xdp.ok
      ? `xdp refused (${caps.attach.xdp.reason})`
      : undefined;
if (skip) console.log(`skipping xdp re-adoption test: ${skip}`);

const counted = (batches: MetricBatch[]) => batches.filter((b) => b.program === 'xdpcount').flatMap((b) => b.maps).filter((m) => m.map === 'counter').reduce((n, m) => n + m.entries.reduce((x, e) => x + Number(e.value), 0), 0);

describe('agent: xdp in the kernel across a restart', () => {
  (skip ? it.skip : it)('should pin the xdp link, re-adopt it after a restart (not attach twice) and keep counting', async () => {
    const fleet = await FleetFixture.create();
    const veth = TestVeth.create('x', 8);
    const agents: Agent[] = [];
    try {
      const config = fleet.config({ runtime: 'auto', agentId: 'xdp-agent-1', interface: veth.hostIf });
      const first = await Agent.start(config);
      agents.push(first);
      const statuses = fleet.statuses(first.id);
      await fleet.setDesired(first.id, [await fleet.publishArtifact('xdpcount', 1, corpus('minimal.o'))]);
      const loaded = await eventually(() => statuses.flatMap((s) => s.programs).find((p) => p.program === 'xdpcount' && p.state === 'loaded'), 10_000, 'xdpcount loaded');
      expect(loaded.runtime?.kind).toBe('kernel');
      expect(loaded.attachPoints[0]).toMatch(/^xdp ifindex \d+ \(link\)/);
      veth.send(6, 9999);
      await eventually(async () => (counted(await fleet.metrics()) >= 6 ? true : undefined), 10_000, 'six frames counted');

      // The agent goes away without detaching (an upgrade, or what a crash leaves): the link stays pinned.
      await first.stop({ detach: false });
      agents.pop();
      const before = counted(await fleet.metrics());
      veth.send(4, 9999); // counted by the kernel while no agent runs

      const second = await Agent.start(config);
      agents.push(second);
      const statuses2 = fleet.statuses(second.id);
      const adopted = await eventually(() => statuses2.flatMap((s) => s.programs).find((p) => p.program === 'xdpcount' && p.state === 'loaded'), 10_000, 're-adopted');
      expect(adopted.attachPoints[0]).toMatch(/\(re-adopted\)$/);
      veth.send(3, 9999);
      // Everything since the last batch of the first agent arrives as deltas: the 4 sent while no agent
      // ran and the 3 after (ARP and other frames of the veth may add to both).
      await eventually(async () => (counted(await fleet.metrics()) - before >= 7 ? true : undefined), 10_000, 'frames counted across the restart');
      await second.stop();
      agents.pop();
    } finally {
      for (const a of agents) await a.stop();
      veth.destroy();
      await fleet.close();
    }
  });
});
