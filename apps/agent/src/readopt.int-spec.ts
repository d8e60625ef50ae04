import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pinPath, probeKernel } from '@bpfleet/kernel';
import type { MetricBatch } from '@bpfleet/protocol';
import { Agent } from './agent.js';
import { FleetFixture, corpus, eventually } from './testing/fleet-fixture.js';
import { TestVeth } from '@bpfleet/vm-host/testing';

const caps = probeKernel({ helpers: false });
const skip = !existsSync(join(import.meta.dirname, '../../../tests/bpf/build/minimal.o'))
  ? 'build the corpus first (bash tests/bpf/build.sh)'
  : !caps.canLoad
    ? 'cannot load BPF programs here'
    : !caps.attach.xdp.ok
      ? `xdp refused (${caps.attach.xdp.reason})`
      : undefined;
if (skip) console.log(`skipping xdp re-adoption test: ${skip}`);
const perfSkip = skip ?? (caps.attach.perf_event.ok ? undefined : `perf_event refused (${caps.attach.perf_event.reason})`);
if (perfSkip && !skip) console.log(`skipping perf_event re-adoption test: ${perfSkip}`);

const counted = (batches: MetricBatch[]) => batches.filter((b) => b.program === 'xdpcount').flatMap((b) => b.maps).filter((m) => m.map === 'counter').reduce((n, m) => n + m.entries.reduce((x, e) => x + Number(e.value), 0), 0);

describe('agent: kernel programs with link-based attachments across a restart', () => {
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

  (perfSkip ? it.skip : it)('should pin every per-CPU perf_event link and re-adopt them all after a restart', async () => {
    const fleet = await FleetFixture.create();
    const agents: Agent[] = [];
    try {
      const config = fleet.config({ runtime: 'auto', agentId: 'perf-agent-1' });
      const first = await Agent.start(config);
      agents.push(first);
      const statuses = fleet.statuses(first.id);
      await fleet.setDesired(first.id, [await fleet.publishArtifact('oncpu', 1, corpus('perf_event_oncpu.o'))]);
      const loaded = await eventually(() => statuses.flatMap((s) => s.programs).find((p) => p.program === 'oncpu' && p.state === 'loaded'), 10_000, 'oncpu loaded');
      expect(loaded.runtime?.kind).toBe('kernel');
      const samples = async () => (await fleet.metrics()).filter((b) => b.program === 'oncpu').flatMap((b) => b.maps).filter((m) => m.map === 'samples').reduce((n, m) => n + m.entries.reduce((x, e) => x + Number(e.value), 0), 0);
      await eventually(async () => ((await samples()) > 0 ? true : undefined), 10_000, 'samples');
      await first.stop({ detach: false });
      agents.pop();

      const second = await Agent.start(config);
      agents.push(second);
      const statuses2 = fleet.statuses(second.id);
      const adopted = await eventually(() => statuses2.flatMap((s) => s.programs).find((p) => p.program === 'oncpu' && p.state === 'loaded'), 10_000, 're-adopted');
      // One pinned link per CPU, all taken over.
      expect(adopted.attachPoints.length).toBe(caps.onlineCpus);
      expect(adopted.attachPoints.every((a) => a.endsWith('(re-adopted)'))).toBe(true);
      const before = await samples();
      await eventually(async () => ((await samples()) > before ? true : undefined), 10_000, 'samples after the restart');
      await second.stop();
      agents.pop();
    } finally {
      for (const a of agents) await a.stop();
      await fleet.close();
    }
  });

  (skip ? it.skip : it)('should load afresh instead of re-adopting part of an object when a program lost its pinned link', async () => {
    const fleet = await FleetFixture.create();
    const agents: Agent[] = [];
    try {
      const config = fleet.config({ runtime: 'auto', agentId: 'partial-agent-1' });
      const first = await Agent.start(config);
      agents.push(first);
      const statuses = fleet.statuses(first.id);
      await fleet.setDesired(first.id, [await fleet.publishArtifact('syslat', 1, corpus('rawtp_syscall_latency.o'))]);
      const loaded = await eventually(() => statuses.flatMap((s) => s.programs).find((p) => p.program === 'syslat' && p.state === 'loaded'), 10_000, 'syslat loaded');
      expect(loaded.attachPoints).toHaveLength(2);
      await first.stop({ detach: false });
      agents.pop();
      // What a netlink attachment leaves after its owner is gone: one program without a pinned link.
      const dir = pinPath('agents', first.id);
      const versionDir = join(dir, readdirSync(dir)[0]!);
      rmSync(join(versionDir, readdirSync(versionDir).filter((n) => n.startsWith('link-')).sort()[1]!));

      const second = await Agent.start(config);
      agents.push(second);
      const statuses2 = fleet.statuses(second.id);
      const reloaded = await eventually(() => statuses2.flatMap((s) => s.programs).find((p) => p.program === 'syslat' && p.state === 'loaded'), 10_000, 'syslat loaded again');
      expect(reloaded.attachPoints).toEqual(['section raw_tracepoint/sys_enter (on_sys_enter)', 'section raw_tracepoint/sys_exit (on_sys_exit)']); // not re-adopted
      await second.stop();
      agents.pop();
      expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    } finally {
      for (const a of agents) await a.stop();
      await fleet.close();
    }
  });
});
