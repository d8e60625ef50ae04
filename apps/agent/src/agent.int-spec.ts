import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { probeKernel } from '@bpfleet/kernel';
import type { MetricBatch } from '@bpfleet/protocol';
import { Agent } from './agent.js';
import { FleetFixture, NATS_URL, corpus, eventually } from './testing/fleet-fixture.js';
import { TcpProxy } from './testing/tcp-proxy.js';

const haveCorpus = existsSync(join(import.meta.dirname, '../../../tests/bpf/build/minimal.o'));
if (!haveCorpus) console.warn('agent integration tests skipped: build the corpus first (bash tests/bpf/build.sh)');
const describeCorpus = haveCorpus ? describe : describe.skip;

/** 64-byte Ethernet frame: what an xdp program gets as its packet. */
const FRAME = Buffer.alloc(64, 0xab).toString('hex');

async function sendEvents(socketPath: string, lines: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s = createConnection(socketPath, () => {
      s.end(lines.map((l) => `${l}\n`).join(''), () => resolve());
    });
    s.on('error', reject);
  });
}

function counterTotal(batches: MetricBatch[], program: string, map: string): number {
  let sum = 0;
  for (const b of batches) if (b.program === program) for (const m of b.maps) if (m.map === map && m.kind === 'counter') for (const e of m.entries) sum += Number(e.value);
  return sum;
}

describeCorpus('agent (integration, real NATS)', () => {
  let fleet: FleetFixture;
  const agents: Agent[] = [];

  beforeAll(async () => {
    fleet = await FleetFixture.create();
  });
  afterAll(async () => {
    for (const a of agents) await a.stop();
    await fleet?.close();
  });

  it('VM path: desired state -> program loaded in the VM -> app events drive it -> counter deltas arrive with increasing seqs', async () => {
    const config = fleet.config({ runtime: 'vm', agentId: 'vm-agent-1' });
    const socketPath = join(config.dataDir, 'events.sock');
    const agent = await Agent.start({ ...config, appEventSocket: socketPath });
    agents.push(agent);
    const statuses = fleet.statuses(agent.id);
    const desired = await fleet.publishArtifact('pktcount', 1, corpus('minimal.o'));
    await fleet.setDesired(agent.id, [desired]);
    const loaded = await eventually(() => statuses.flatMap((s) => s.programs).find((p) => p.program === 'pktcount' && p.state === 'loaded'), 10_000, 'pktcount loaded');
    expect(loaded.runtime).toEqual({ kind: 'vm', reason: 'runtime policy is vm' });
    expect(loaded.attachPoints).toEqual(['vm:xdp']);

    await sendEvents(socketPath, Array.from({ length: 7 }, () => JSON.stringify({ probe: 'count_packets', payload: FRAME })));
    await eventually(async () => (counterTotal(await fleet.metrics(), 'pktcount', 'counter') === 7 ? true : undefined), 10_000, '7 counted packets');
    await sendEvents(socketPath, Array.from({ length: 5 }, () => JSON.stringify({ probe: 'count_packets', payload: FRAME })));
    const batches = await eventually(async () => {
      const b = await fleet.metrics();
      return counterTotal(b, 'pktcount', 'counter') === 12 ? b : undefined;
    }, 10_000, '12 counted packets');
    const mine = batches.filter((b) => b.agentId === agent.id);
    // Deltas, not totals: two batches with 7 and 5.
    expect(mine.map((b) => b.maps[0].entries[0].value)).toEqual([7, 5]);
    expect(mine.map((b) => b.seq)).toEqual([1, 2]);
    expect(mine[0].maps[0]).toMatchObject({ map: 'counter', kind: 'counter', keyType: '__u32', entries: [{ key: 0, keyHex: '00000000' }] });
    const withStats = await eventually(() => statuses.flatMap((s) => s.programs).find((p) => p.program === 'pktcount' && (p.runCount ?? 0) >= 12));
    expect(withStats.runCount).toBe(12);
    expect(withStats.runTimeNs).toBeGreaterThan(0);
  });

  it('refuses an altered artifact and one signed by another key, saying why', async () => {
    const agent = await Agent.start(fleet.config({ runtime: 'vm', agentId: 'vm-agent-2' }));
    agents.push(agent);
    const statuses = fleet.statuses(agent.id);
    const bytes = corpus('minimal.o');
    const good = await fleet.publishArtifact('altered', 1, bytes);
    const tampered = Uint8Array.from(bytes);
    tampered[tampered.length - 20] ^= 0xff;
    await fleet.artifacts.putBlob({ name: 'tampered' }, tampered);
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const foreign = await fleet.publishArtifact('foreign', 1, bytes, stranger);
    await fleet.setDesired(agent.id, [{ ...good, objectKey: 'tampered' }, foreign]);
    const report = await eventually(() => statuses.find((s) => s.programs.length === 2), 10_000, 'status for both');
    const byName = Object.fromEntries(report.programs.map((p) => [p.program, p]));
    expect(byName['altered']).toMatchObject({ state: 'failed', error: { code: 'DIGEST_MISMATCH' } });
    expect(byName['foreign']).toMatchObject({ state: 'failed', error: { code: 'BAD_SIGNATURE' } });
  });

  it('kernel path: a tracepoint program runs in the kernel and its map data arrives', async () => {
    const caps = probeKernel();
    if (!caps.canLoad || !caps.attach.tracepoint.ok) {
      console.warn(`kernel path skipped: ${caps.canLoad ? caps.attach.tracepoint.reason : 'BPF cannot load here'}`);
      return;
    }
    const agent = await Agent.start(fleet.config({ runtime: 'auto', agentId: 'kernel-agent-1' }));
    agents.push(agent);
    const statuses = fleet.statuses(agent.id);
    await fleet.setDesired(agent.id, [await fleet.publishArtifact('opens', 1, corpus('tp_openat_count.o'))]);
    const loaded = await eventually(() => statuses.flatMap((s) => s.programs).find((p) => p.program === 'opens' && p.state !== 'detached'), 10_000, 'opens status');
    expect(loaded).toMatchObject({ state: 'loaded', runtime: { kind: 'kernel' } });
    expect(loaded.attachPoints.join(' ')).toMatch(/sys_enter_openat/);
    // Open files from this process: its pid's entry counts them.
    for (let i = 0; i < 5; i++) readFileSync('/proc/self/stat');
    const entry = await eventually(async () => {
      for (const b of await fleet.metrics()) {
        if (b.agentId !== agent.id) continue;
        const e = b.maps.find((m) => m.map === 'opens_by_pid')?.entries.find((x) => x.key === process.pid);
        if (e) return e;
      }
      return undefined;
    }, 10_000, 'opens_by_pid entry for this process');
    expect(entry.value).toMatchObject({ comm: expect.any(String) });
    expect(Number((entry.value as { calls: number }).calls)).toBeGreaterThanOrEqual(5);
    await fleet.setDesired(agent.id, []);
    await eventually(() => (statuses.length && statuses[statuses.length - 1].programs.length === 0 ? true : undefined), 10_000, 'detached');
  });

  it('NATS unreachable: batches are buffered to disk, then replayed in order, each exactly once; a restarted agent resumes its sequence', async () => {
    const target = new URL(NATS_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 4222));
    await proxy.start();
    const config = fleet.config({ runtime: 'vm', agentId: 'vm-agent-outage', nats: proxy.url });
    const socketPath = join(config.dataDir, 'events.sock');
    let agent = await Agent.start({ ...config, appEventSocket: socketPath });
    const statuses = fleet.statuses(agent.id);
    await fleet.setDesired(agent.id, [await fleet.publishArtifact('outage', 1, corpus('minimal.o'))]);
    await eventually(() => statuses.flatMap((s) => s.programs).find((p) => p.program === 'outage' && p.state === 'loaded'), 10_000, 'loaded');
    const events = (n: number) => sendEvents(socketPath, Array.from({ length: n }, () => JSON.stringify({ probe: 'count_packets', payload: FRAME })));
    const mine = async () => (await fleet.metrics()).filter((b) => b.agentId === agent.id);

    await events(3);
    await eventually(async () => (counterTotal(await mine(), 'outage', 'counter') === 3 ? true : undefined), 10_000, 'first batch');

    await proxy.cut();
    await events(4);
    await eventually(() => (agent.buffered >= 1 ? true : undefined), 10_000, 'a buffered batch');
    await events(2);
    await eventually(() => (agent.buffered >= 2 ? true : undefined), 10_000, 'two buffered batches');
    // Still nothing new in the stream while cut off.
    expect(counterTotal(await mine(), 'outage', 'counter')).toBe(3);

    await proxy.restore();
    const after = await eventually(async () => {
      const b = await mine();
      return counterTotal(b, 'outage', 'counter') === 9 && agent.buffered === 0 ? b : undefined;
    }, 20_000, 'replay');
    const seqs = after.map((b) => b.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));

    // Restart on the same data dir: same id, the sequence continues after the last one used.
    const lastSeq = agent.lastSeq;
    await agent.stop();
    agent = await Agent.start({ ...config, appEventSocket: socketPath });
    agents.push(agent);
    expect(agent.id).toBe('vm-agent-outage');
    const restarted = agent;
    await eventually(() => restarted.statuses().find((p) => p.program === 'outage' && p.state === 'loaded'), 10_000, 'reloaded');
    await events(1);
    const resumed = await eventually(async () => (await mine()).find((b) => b.seq > lastSeq), 10_000, 'a batch after restart');
    expect(resumed.seq).toBe(lastSeq + 1);
    await agent.stop();
    await proxy.cut();
  }, 60_000);

  it('started while NATS is unreachable: waits, then connects and runs what it is told once NATS appears', async () => {
    const target = new URL(NATS_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 4222));
    await proxy.start();
    await proxy.cut(); // the port is known but nothing listens yet
    const config = fleet.config({ runtime: 'vm', agentId: 'vm-agent-late-nats', nats: proxy.url });
    let started: Agent | undefined;
    const starting = Agent.start(config).then((a) => (started = a));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(started).toBeUndefined();
    await proxy.restore();
    const agent = await eventually(() => started, 15_000, 'agent connected');
    agents.push(agent);
    await starting;
    await fleet.setDesired(agent.id, [await fleet.publishArtifact('late', 1, corpus('minimal.o'))]);
    await eventually(() => agent.statuses().find((p) => p.program === 'late' && p.state === 'loaded'), 10_000, 'loaded');
    await agent.stop();
    await proxy.cut();
  }, 30_000);

  it('version swap keeps the map state: the counter continues across v1 -> v2 (no reset, no double count)', async () => {
    const config = fleet.config({ runtime: 'vm', agentId: 'vm-agent-swap' });
    const socketPath = join(config.dataDir, 'events.sock');
    const agent = await Agent.start({ ...config, appEventSocket: socketPath });
    agents.push(agent);
    const events = (n: number) => sendEvents(socketPath, Array.from({ length: n }, () => JSON.stringify({ probe: 'count_packets', payload: FRAME })));
    const mine = async () => (await fleet.metrics()).filter((b) => b.agentId === agent.id);
    await fleet.setDesired(agent.id, [await fleet.publishArtifact('swap', 1, corpus('minimal.o'))]);
    await eventually(() => agent.statuses().find((p) => p.program === 'swap' && p.version === 1 && p.state === 'loaded'), 10_000, 'v1 loaded');
    await events(4);
    await eventually(async () => (counterTotal(await mine(), 'swap', 'counter') === 4 ? true : undefined), 10_000, 'v1 counts');
    // v2: a different build of the same program (v3 ISA), same map definitions.
    await fleet.setDesired(agent.id, [await fleet.publishArtifact('swap', 2, corpus('minimal.v3.o'))]);
    await eventually(() => agent.statuses().find((p) => p.program === 'swap' && p.version === 2 && p.state === 'loaded'), 10_000, 'v2 loaded');
    await events(3);
    const batches = await eventually(async () => {
      const b = await mine();
      return counterTotal(b, 'swap', 'counter') === 7 ? b : undefined;
    }, 10_000, 'v2 counts');
    const v2 = batches.filter((b) => b.version === 2);
    expect(v2.map((b) => b.maps[0].entries[0].value)).toEqual([3]);
    // The map itself carried over: its value is the running total.
    const running = agent.statuses().find((p) => p.program === 'swap');
    expect(running).toMatchObject({ version: 2, runCount: 3 });
  });

  it('kernel path: ring-buffer records travel as events with their raw bytes (struct exit_event: pid at offset 16)', async () => {
    const caps = probeKernel();
    if (!caps.canLoad || !caps.attach.tracepoint.ok) {
      console.warn('kernel ring buffer test skipped: tracepoints cannot attach here');
      return;
    }
    const agent = await Agent.start(fleet.config({ runtime: 'auto', agentId: 'kernel-agent-ring' }));
    agents.push(agent);
    await fleet.setDesired(agent.id, [await fleet.publishArtifact('exits', 1, corpus('ringbuf_events.o'))]);
    const exitsStatus = await eventually(() => agent.statuses().find((p) => p.program === 'exits' && p.state !== 'detached'), 10_000, 'exits status');
    expect(exitsStatus.error).toBeUndefined();
    expect(exitsStatus.state).toBe('loaded');
    const child = spawn('true');
    await new Promise((r) => child.on('exit', r));
    const event = await eventually(async () => {
      const all = (await fleet.metrics()).filter((b) => b.agentId === agent.id);
      for (const b of all) for (const e of b.events) if (Buffer.from(e.hex, 'hex').readInt32LE(16) === child.pid) return e;
      return undefined;
    }, 10_000, 'exit event of the child');
    expect(event.map).toBe('exits');
    expect(BigInt(event.ts)).toBeGreaterThan(0n);
    // struct exit_event is not in the object's BTF (only a local pointer uses it), so data is the hex too.
    expect(event.hex).toHaveLength(80);
  });

  it('restart without detaching: pinned kernel programs are re-adopted (not loaded twice), counting goes on, seqs continue', async () => {
    const caps = probeKernel();
    if (!caps.canLoad || !caps.attach.tracepoint.ok) {
      console.warn('re-adoption test skipped: tracepoints cannot attach here');
      return;
    }
    const config = fleet.config({ runtime: 'auto', agentId: 'kernel-agent-restart' });
    let agent = await Agent.start(config);
    await fleet.setDesired(agent.id, [await fleet.publishArtifact('restart', 1, corpus('tp_openat_count.o'))]);
    await eventually(() => agent.statuses().find((p) => p.program === 'restart' && p.state === 'loaded'), 10_000, 'loaded');
    const calls = async (minSeq: number) => {
      for (const b of (await fleet.metrics()).reverse()) {
        if (b.agentId !== 'kernel-agent-restart' || b.seq <= minSeq) continue;
        const e = b.maps.find((m) => m.map === 'opens_by_pid')?.entries.find((x) => x.key === process.pid);
        if (e) return { seq: b.seq, calls: Number((e.value as { calls: number }).calls) };
      }
      return undefined;
    };
    readFileSync('/proc/self/stat');
    const before = await eventually(() => calls(0), 10_000, 'first snapshot');
    const pinDir = join('/sys/fs/bpf/bpfleet/agents/kernel-agent-restart');
    await agent.stop({ detach: false });
    expect(existsSync(pinDir)).toBe(true);
    // While no agent runs, the pinned program keeps counting.
    for (let i = 0; i < 3; i++) readFileSync('/proc/self/stat');
    const lastSeq = agent.lastSeq;
    agent = await Agent.start(config);
    agents.push(agent);
    const readopted = await eventually(() => agent.statuses().find((p) => p.program === 'restart' && p.state === 'loaded'), 10_000, 're-adopted');
    expect(readopted.attachPoints.join(' ')).toMatch(/re-adopted/);
    readFileSync('/proc/self/stat');
    const after = await eventually(async () => {
      const c = await calls(lastSeq);
      return c && c.calls >= before.calls + 4 ? c : undefined;
    }, 10_000, 'counting went on');
    expect(after.seq).toBeGreaterThan(lastSeq);
    await fleet.setDesired(agent.id, []);
    await eventually(() => (agent.statuses().length === 0 ? true : undefined), 10_000, 'detached');
    await agent.settled();
    // Detaching removed the pins: nothing of this agent stays in the kernel.
    expect(readdirSync(pinDir)).toEqual([]);
  });

  it('VM path: ring-buffer records written by a VM program travel as events', async () => {
    const config = fleet.config({ runtime: 'vm', agentId: 'vm-agent-ring' });
    const socketPath = join(config.dataDir, 'events.sock');
    const agent = await Agent.start({ ...config, appEventSocket: socketPath });
    agents.push(agent);
    await fleet.setDesired(agent.id, [await fleet.publishArtifact('ring', 1, corpus('kernel_events.o'))]);
    const status = await eventually(() => agent.statuses().find((p) => p.program === 'ring' && p.state !== 'detached'), 10_000, 'ring status');
    expect(status.error).toBeUndefined();
    await sendEvents(socketPath, Array.from({ length: 3 }, () => JSON.stringify({ probe: 'emit_ring', payload: FRAME })));
    const events = await eventually(async () => {
      const e = (await fleet.metrics()).filter((b) => b.agentId === agent.id).flatMap((b) => b.events);
      return e.length >= 3 ? e : undefined;
    }, 10_000, '3 ring events');
    // struct event { u64 seq; u32 pid; u32 cpu; }: seq 0, 1, 2 in order.
    expect(events.map((e) => Number(Buffer.from(e.hex, 'hex').readBigUInt64LE(0)))).toEqual([0, 1, 2]);
    expect(events.every((e) => e.map === 'events')).toBe(true);
  });
});
