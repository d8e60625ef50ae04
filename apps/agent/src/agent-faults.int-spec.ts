/**
 * Fault tests of the agent against real NATS and the real kernel: a 60 s NATS outage while programs keep
 * producing, kill -9 of the agent process mid-stream, and the resource limits. The outage test alone takes
 * about 70-80 s (BPFLEET_FAULT_OUTAGE_MS shortens the outage while working on it).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { KernelMap, LibbpfLink, linkInfoOf, pinPath, probeKernel, programRunStats, removePinDir } from '@bpfleet/kernel';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeMessage, encodeMessage, type Heartbeat, type MetricBatch } from '@bpfleet/protocol';
import { Agent, type LogLevel } from './agent.js';
import { FleetFixture, NATS_URL, corpus, eventually } from './testing/fleet-fixture.js';
import { exited, programIdsHeldBy, spawnAgentProcess, spawnOpener, type AgentProcess } from './testing/processes.js';
import { TcpProxy } from './testing/tcp-proxy.js';

const OUTAGE_MS = Number(process.env['BPFLEET_FAULT_OUTAGE_MS'] ?? 60_000);
const haveCorpus = existsSync(join(import.meta.dirname, '../../../tests/bpf/build/kernel_openat.o'));
if (!haveCorpus) console.warn('agent fault tests skipped: build the corpus first (bash tests/bpf/build.sh)');
const describeCorpus = haveCorpus ? describe : describe.skip;

function kernelSkipReason(): string | undefined {
  try {
    const caps = probeKernel();
    if (!caps.canLoad) return 'BPF cannot load here';
    if (!caps.attach.tracepoint.ok) return `tracepoints cannot attach here (${caps.attach.tracepoint.reason})`;
    return caps.bpffs.mounted ? undefined : 'bpffs is not mounted';
  } catch (e) {
    return `kernel probe failed: ${(e as Error).message}`;
  }
}
const kernelSkip = kernelSkipReason();

const FRAME = Buffer.alloc(64, 0xab).toString('hex');
const pidHex = (pid: number) => Buffer.from(new Uint32Array([pid]).buffer).toString('hex');

/** Sum of the counter deltas a program's map sent, for keys whose hex starts with `keyPrefix`. */
function deltaSum(batches: MetricBatch[], program: string, map: string, keyPrefix = ''): bigint {
  let sum = 0n;
  for (const b of batches) {
    if (b.program !== program) continue;
    for (const m of b.maps) if (m.map === map && m.kind === 'counter') for (const e of m.entries) if (e.keyHex.startsWith(keyPrefix)) sum += BigInt(e.value as number | string);
  }
  return sum;
}

/** The directory the agent pinned one program's links and maps in. */
function programPinDir(agentId: string, program: string): string {
  const base = pinPath('agents', agentId);
  const dir = readdirSync(base).find((d) => d.startsWith(`${program}-v`));
  if (!dir) throw new Error(`no pins of ${program} under ${base}`);
  return join(base, dir);
}

/** What the kernel map holds for one pid right now: the truth the streamed deltas must add up to. */
function kernelCount(agentId: string, program: string, pid: number): bigint {
  const map = KernelMap.openPinned(join(programPinDir(agentId, program), 'map-opens'));
  try {
    let n = 0n;
    for (const { key, value } of map.iterate()) if (Buffer.from(key).readUInt32LE(0) === pid) n += Buffer.from(value).readBigUInt64LE(0);
    return n;
  } finally {
    map.close();
  }
}

/** The id of the program behind a pinned link (what the kernel is running for the agent). */
function pinnedProgramId(agentId: string, program: string): number {
  const link = LibbpfLink.openPinned(join(programPinDir(agentId, program), 'link-000'));
  try {
    return linkInfoOf(link.fd).programId;
  } finally {
    link.close();
  }
}

function expectSeqsExact(batches: MetricBatch[]): number[] {
  const seqs = batches.map((b) => b.seq);
  // In stream order, each once, no gap.
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  return seqs;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeCorpus('agent fault tests (real NATS, real kernel)', () => {
  let fleet: FleetFixture;
  const agents: Agent[] = [];
  const children: ChildProcess[] = [];
  const proxies: TcpProxy[] = [];
  const agentIds: string[] = [];

  beforeAll(async () => {
    fleet = await FleetFixture.create();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const a of agents) await a.stop();
    for (const p of proxies) await p.cut();
    await fleet?.close();
    if (!kernelSkip) for (const id of agentIds) removePinDir(pinPath('agents', id));
  });

  it(`NATS unreachable for ${OUTAGE_MS / 1000} s while programs keep producing: every sample arrives exactly once, in order`, async () => {
    const target = new URL(NATS_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 4222));
    proxies.push(proxy);
    await proxy.start();
    const agentId = 'fault-outage';
    agentIds.push(agentId);
    const config = fleet.config({ runtime: 'auto', agentId, nats: proxy.url, snapshotInterval: '500ms' });
    const socketPath = join(config.dataDir, 'events.sock');
    const agent = await Agent.start({ ...config, appEventSocket: socketPath });
    agents.push(agent);
    const programs = [await fleet.publishArtifact('outage_vm', 1, corpus('minimal.o'))];
    if (!kernelSkip) programs.push(await fleet.publishArtifact('outage_kernel', 1, corpus('kernel_openat.o')));
    else console.warn(`outage test runs the VM program only: ${kernelSkip}`);
    await fleet.setDesired(agent.id, programs);
    await eventually(() => (agent.statuses().filter((p) => p.state === 'loaded').length === programs.length ? true : undefined), 10_000, 'programs loaded');
    if (!kernelSkip) expect(agent.statuses().find((p) => p.program === 'outage_kernel')?.runtime?.kind).toBe('kernel');
    // The VM program forced into the VM would need runtime vm; minimal.o is xdp without an interface: VM.
    expect(agent.statuses().find((p) => p.program === 'outage_vm')?.runtime?.kind).toBe('vm');

    // Producers: app events for the VM program every 50 ms, a process opening a file every 20 ms for the kernel one.
    const socket: Socket = await new Promise((resolve, reject) => {
      const s = createConnection(socketPath, () => resolve(s));
      s.on('error', reject);
    });
    let sent = 0;
    const ticker = setInterval(() => socket.write(`${JSON.stringify({ probe: 'count_packets', payload: FRAME })}\n`, () => sent++), 50);
    const opener = kernelSkip ? undefined : spawnOpener(20);
    if (opener) children.push(opener);
    const mine = async () => (await fleet.metrics()).filter((b) => b.agentId === agentId);

    try {
      await eventually(async () => ((await mine()).length >= 2 ? true : undefined), 10_000, 'batches before the outage');
      await proxy.cut();
      const cutAt = Date.now();
      await sleep(1500);
      const inStreamAtCut = (await mine()).length;
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - cutAt)));
      // Nothing reached the stream while NATS was unreachable; the agent kept snapshotting to disk.
      expect((await mine()).length).toBe(inStreamAtCut);
      const bufferedAtEnd = agent.buffered;
      expect(bufferedAtEnd).toBeGreaterThanOrEqual(Math.floor(OUTAGE_MS / 500 / 2));
      expect(agent.eventsDelivered).toBeGreaterThan(OUTAGE_MS / 50 / 2);
      await proxy.restore();
      await sleep(2000);
    } finally {
      clearInterval(ticker);
      opener?.kill('SIGTERM');
      if (opener) await exited(opener);
      await new Promise<void>((resolve) => socket.end(resolve));
    }

    await eventually(() => (agent.eventsDelivered === sent ? true : undefined), 5_000, 'every app event delivered');
    const kernelTruth = opener?.pid !== undefined ? kernelCount(agentId, 'outage_kernel', opener.pid) : undefined;
    const batches = await eventually(async () => {
      const b = await mine();
      if (agent.buffered !== 0 || deltaSum(b, 'outage_vm', 'counter') !== BigInt(sent)) return undefined;
      if (kernelTruth !== undefined && opener?.pid !== undefined && deltaSum(b, 'outage_kernel', 'opens', pidHex(opener.pid)) !== kernelTruth) return undefined;
      return b;
    }, 30_000, 'the buffered batches replayed');
    // One more snapshot round later nothing changed: no late duplicate counted twice.
    await sleep(1500);
    const final = await mine();
    expectSeqsExact(final);
    expect(deltaSum(final, 'outage_vm', 'counter')).toBe(BigInt(sent));
    if (kernelTruth !== undefined && opener?.pid !== undefined) {
      expect(kernelTruth).toBeGreaterThan(BigInt(Math.floor(OUTAGE_MS / 20 / 3)));
      expect(deltaSum(final, 'outage_kernel', 'opens', pidHex(opener.pid))).toBe(kernelTruth);
    }
    console.log(
      `outage ${OUTAGE_MS / 1000} s: ${final.length} batches (seq 1..${final.length}), ${batches.length} when first complete; ` +
        `VM events ${sent} counted ${deltaSum(final, 'outage_vm', 'counter')}; kernel opens ${kernelTruth ?? 'n/a'}`,
    );
    await agent.stop();
  }, OUTAGE_MS + 60_000);

  it('agent process killed with SIGKILL mid-stream and restarted (twice): programs re-adopted (same prog id), no duplicate seq, no gap, counts exact', async () => {
    if (kernelSkip) {
      console.warn(`kill -9 test skipped: ${kernelSkip}`);
      return;
    }
    const agentId = 'fault-kill9';
    agentIds.push(agentId);
    const config = fleet.config({ agentId });
    const keyFile = join(config.dataDir, 'controller.pub');
    writeFileSync(keyFile, fleet.publicKeyPem);
    const args = ['--nats', NATS_URL, '--prefix', fleet.names.prefix, '--id', agentId, '--controller-key', keyFile, '--data-dir', config.dataDir, '--interval', '300ms', '--runtime', 'auto'];
    const env = { BPFLEET_HEARTBEAT_INTERVAL: '1s' };
    const start = (): AgentProcess => {
      const p = spawnAgentProcess(args, env);
      children.push(p.child);
      return p;
    };
    const statuses = fleet.statuses(agentId);
    const mine = async () => (await fleet.metrics()).filter((b) => b.agentId === agentId);
    let agent = start();
    await fleet.setDesired(agentId, [await fleet.publishArtifact('kill9', 1, corpus('kernel_openat.o'))]);
    const loaded = await eventually(() => statuses.flatMap((s) => s.programs).find((p) => p.program === 'kill9' && p.state === 'loaded'), 20_000, `loaded (agent log: ${agent.log()})`);
    expect(loaded.runtime?.kind).toBe('kernel');
    const programId = pinnedProgramId(agentId, 'kill9');
    const opener = spawnOpener(20);
    children.push(opener);
    const openerPid = opener.pid ?? 0;

    try {
      for (let round = 0; round < 2; round++) {
        const before = (await mine()).length;
        await eventually(async () => ((await mine()).length >= before + 3 ? true : undefined), 15_000, `batches flowing (round ${round})`);
        // Somewhere inside a snapshot interval, not at a fixed phase of it.
        await sleep(37 + round * 113);
        agent.child.kill('SIGKILL');
        await exited(agent.child);
        // No agent runs: the pinned program keeps counting, the kernel keeps the same program.
        await sleep(700);
        expect(pinnedProgramId(agentId, 'kill9')).toBe(programId);
        agent = start();
        const restarted = agent;
        const statusCount = statuses.length;
        const readopted = await eventually(
          () => statuses.slice(statusCount).flatMap((s) => s.programs).find((p) => p.program === 'kill9' && p.state === 'loaded'),
          20_000,
          `status after restart ${round} (agent log: ${restarted.log()})`,
        );
        expect(readopted.attachPoints.join(' ')).toMatch(/re-adopted/);
        // Not loaded twice: the restarted process holds only the original program.
        const pid = restarted.child.pid ?? 0;
        expect([...programIdsHeldBy(pid)]).toEqual([programId]);
      }
      // Kernel run statistics reach the status after re-adoption (the agent turned bpf_stats on).
      const withStats = await eventually(() => statuses.flatMap((s) => s.programs).find((p) => p.program === 'kill9' && (p.runCount ?? 0) > 0), 10_000, 'runCount in status');
      expect(withStats.runTimeNs).toBeGreaterThan(0);
    } finally {
      opener.kill('SIGTERM');
      await exited(opener);
    }

    const truth = kernelCount(agentId, 'kill9', openerPid);
    expect(truth).toBeGreaterThan(50n);
    await eventually(async () => (deltaSum(await mine(), 'kill9', 'opens', pidHex(openerPid)) === truth ? true : undefined), 15_000, `streamed deltas add up to the kernel's ${truth}`);
    await sleep(1000);
    const final = await mine();
    expectSeqsExact(final);
    expect(deltaSum(final, 'kill9', 'opens', pidHex(openerPid))).toBe(truth);
    console.log(`kill -9 twice: prog id ${programId} kept, ${final.length} batches seq 1..${final.length}, opener's ${truth} opens counted exactly once`);

    // SIGTERM: detaches and unpins; the program is gone from the kernel.
    agent.child.kill('SIGTERM');
    expect(await exited(agent.child)).toBe(0);
    expect(readdirSync(pinPath('agents', agentId))).toEqual([]);
    expect(() => programRunStats(programId)).toThrow(expect.objectContaining({ errno: 2 }));
  }, 120_000);

  it('the two crash windows of a snapshot, reproduced on disk: counter baselines and sequence numbers are repaired exactly', async () => {
    if (kernelSkip) {
      console.warn(`crash-window test skipped: ${kernelSkip}`);
      return;
    }
    const agentId = 'fault-window';
    agentIds.push(agentId);
    const config = fleet.config({ runtime: 'auto', agentId, snapshotInterval: '300ms' });
    const pinsFile = join(config.dataDir, 'kernel-pins.json');
    type Baselines = Record<string, Record<string, string>>;
    type Pins = Record<string, { baselines?: Baselines; pending?: { seq: number; baselines: Baselines } }>;
    const mine = async () => (await fleet.metrics()).filter((b) => b.agentId === agentId);
    const opener = spawnOpener(20);
    children.push(opener);
    const key = pidHex(opener.pid ?? 0);
    /** Run an agent until two batches carry the opener's key, then stop it as a crash would leave things. */
    const runUntilCounted = async (): Promise<number> => {
      const agent = await Agent.start(config);
      const before = (await mine()).length;
      await eventually(async () => ((await mine()).slice(before).filter((b) => b.maps.some((m) => m.entries.some((e) => e.keyHex.startsWith(key)))).length >= 2 ? true : undefined), 15_000, 'batches with the opener');
      await agent.stop({ detach: false });
      return agent.lastSeq;
    };
    /** Baselines the next start would use, and the opener's entry in them. */
    const effective = (lastSeq: number) => {
      const pins = JSON.parse(readFileSync(pinsFile, 'utf8')) as Pins;
      const record = pins['window'];
      if (!record) throw new Error('no pin record for window');
      const base = record.pending && record.pending.seq <= lastSeq ? record.pending.baselines : (record.baselines ?? {});
      const opens = base['opens'] ?? {};
      const k = Object.keys(opens).find((x) => x.startsWith(key));
      if (!k) throw new Error('opener not in the baselines');
      const bumped = (n: bigint): Baselines => ({ ...base, opens: { ...opens, [k]: (BigInt(opens[k] ?? '0') + n).toString() } });
      return { pins, record, base, bumped };
    };

    try {
      await fleet.setDesired(agentId, [await fleet.publishArtifact('window', 1, corpus('kernel_openat.o'))]);
      const seq1 = await runUntilCounted();

      // Window 1: the pins file took the new baselines (7 more) but the process died before their
      // batch reached the disk. That batch does not exist, so those baselines must not count.
      const w1 = effective(seq1);
      w1.record.baselines = w1.base;
      w1.record.pending = { seq: seq1 + 1, baselines: w1.bumped(7n) };
      writeFileSync(pinsFile, JSON.stringify(w1.pins));
      const seq2 = await runUntilCounted();

      // Window 2: the batch (a delta of 3) reached the disk buffer but the sequence counter was not
      // committed. The batch must go out under its number, the baselines must count, the next batch
      // must take the number after it.
      const template = (await mine()).reverse().find((b) => b.program === 'window' && b.maps.some((m) => m.map === 'opens' && m.entries.some((e) => e.keyHex.startsWith(key))));
      if (!template) throw new Error('no batch to model the crashed one on');
      const map = template.maps.find((m) => m.map === 'opens');
      const entry = map?.entries.find((e) => e.keyHex.startsWith(key));
      if (!map || !entry) throw new Error('no opener entry');
      const crashed = { ...template, seq: seq2 + 1, sentAt: new Date().toISOString(), maps: [{ ...map, entries: [{ ...entry, value: 3, valueHex: '0300000000000000' }] }], events: [] };
      writeFileSync(join(config.dataDir, 'buffer', `${String(seq2 + 1).padStart(16, '0')}.msg`), encodeMessage('metrics', crashed));
      const w2 = effective(seq2);
      w2.record.baselines = w2.base;
      w2.record.pending = { seq: seq2 + 1, baselines: w2.bumped(3n) };
      writeFileSync(pinsFile, JSON.stringify(w2.pins));
      expect(readFileSync(join(config.dataDir, 'seq'), 'utf8').trim()).toBe(String(seq2));
      const seq3 = await runUntilCounted();
      expect(seq3).toBeGreaterThan(seq2 + 1);
    } finally {
      opener.kill('SIGTERM');
      await exited(opener);
    }

    // What the kernel counted for the opener, streamed exactly once across both repaired windows: had
    // window 1's baselines counted, 7 would be missing; had window 2's not, 3 would be counted twice.
    const truth = kernelCount(agentId, 'window', opener.pid ?? 0);
    const agent = await Agent.start(config);
    agents.push(agent);
    await eventually(async () => (deltaSum(await mine(), 'window', 'opens', key) === truth ? true : undefined), 10_000, `streamed deltas add up to the kernel's ${truth}`);
    await sleep(700);
    const final = await mine();
    expectSeqsExact(final);
    expect(deltaSum(final, 'window', 'opens', key)).toBe(truth);
    await fleet.setDesired(agentId, []);
    await eventually(() => (agent.statuses().length === 0 ? true : undefined), 10_000, 'detached');
    await agent.stop();
  }, 60_000);

  it('VM programs restarted without detaching continue with the maps of their last snapshot (gauges keep their totals, counters neither reset nor double)', async () => {
    const agentId = 'fault-vm-restart';
    const config = fleet.config({ runtime: 'vm', agentId, snapshotInterval: '300ms' });
    const mine = async () => (await fleet.metrics()).filter((b) => b.agentId === agentId);
    const calls = (batches: MetricBatch[]) =>
      batches.filter((b) => b.program === 'vmgauge').flatMap((b) => b.maps.filter((m) => m.map === 'opens_by_pid').flatMap((m) => m.entries.map((e) => Number((e.value as { calls: number }).calls))));
    const packet = { probe: 'count_packets', payload: Buffer.from(FRAME, 'hex') };
    // struct sys_enter_openat_args, as a tracepoint program gets it (flags at offset 32).
    const openat = { probe: 'sys_enter_openat', payload: new Uint8Array(64) };
    const deliver = (agent: Agent, event: { probe: string; payload: Uint8Array }, n: number) => {
      for (let i = 0; i < n; i++) expect(agent.deliver(event)).toBe(1);
    };
    let agent = await Agent.start(config);
    await fleet.setDesired(agentId, [await fleet.publishArtifact('vmcount', 1, corpus('minimal.o')), await fleet.publishArtifact('vmgauge', 1, corpus('tp_openat_count.o'))]);
    await eventually(() => (agent.statuses().filter((p) => p.state === 'loaded' && p.runtime?.kind === 'vm').length === 2 ? true : undefined), 10_000, 'both loaded in the VM');
    deliver(agent, packet, 4);
    deliver(agent, openat, 3);
    await eventually(async () => {
      const b = await mine();
      return deltaSum(b, 'vmcount', 'counter') === 4n && calls(b).includes(3) ? true : undefined;
    }, 10_000, 'first snapshots');
    const lastSeq = agent.lastSeq;
    await agent.stop({ detach: false });

    agent = await Agent.start(config);
    agents.push(agent);
    const restarted = agent;
    await eventually(() => (restarted.statuses().filter((p) => p.state === 'loaded').length === 2 ? true : undefined), 10_000, 'both reloaded');
    deliver(agent, packet, 2);
    deliver(agent, openat, 2);
    const after = await eventually(async () => {
      const b = (await mine()).filter((x) => x.seq > lastSeq);
      return deltaSum(b, 'vmcount', 'counter') >= 2n && calls(b).includes(5) ? b : undefined;
    }, 10_000, 'snapshots after the restart');
    // The gauge went on from 3 (not from 0), the counter sent only the 2 new runs.
    expect(calls(after)).not.toContain(2);
    await sleep(700);
    expect(deltaSum(await mine(), 'vmcount', 'counter')).toBe(6n);
    expectSeqsExact(await mine());
    // Removed from the desired state: nothing is kept for it.
    await fleet.setDesired(agentId, []);
    await eventually(() => (agent.statuses().length === 0 ? true : undefined), 10_000, 'detached');
    expect(readdirSync(join(config.dataDir, 'vm-state'))).toEqual([]);
    await agent.stop();
  });

  it('a VM program over its per-run instruction budget is stopped and reported, not retried', async () => {
    const agent = await Agent.start(fleet.config({ runtime: 'vm', agentId: 'fault-budget', vmBudget: 5 }));
    agents.push(agent);
    await fleet.setDesired(agent.id, [await fleet.publishArtifact('budget', 1, corpus('minimal.o'))]);
    await eventually(() => agent.statuses().find((p) => p.program === 'budget' && p.state === 'loaded'), 10_000, 'loaded');
    const frame = Buffer.from(FRAME, 'hex');
    expect(agent.deliver({ probe: 'count_packets', payload: frame })).toBe(0);
    const failed = agent.statuses().find((p) => p.program === 'budget');
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'VM_BUDGET_EXCEEDED' } });
    // Stopped for good: later events do not run it, the desired state does not restart it.
    expect(agent.deliver({ probe: 'count_packets', payload: frame })).toBe(0);
    await agent.settled();
    expect(agent.statuses().find((p) => p.program === 'budget')?.state).toBe('failed');
    await agent.stop();
  });

  it('a VM program using more CPU than its budget is stopped after its data is sent, and reported', async () => {
    const agent = await Agent.start(fleet.config({ runtime: 'vm', agentId: 'fault-cpu', vmCpuBudget: 0.001, snapshotInterval: '300ms' }));
    agents.push(agent);
    await fleet.setDesired(agent.id, [await fleet.publishArtifact('hog', 1, corpus('minimal.o'))]);
    await eventually(() => agent.statuses().find((p) => p.program === 'hog' && p.state === 'loaded'), 10_000, 'loaded');
    // 0.1 % of a core over 300 ms is 0.3 ms: 20,000 runs are far more.
    const frame = Buffer.from(FRAME, 'hex');
    let ran = 0;
    for (let i = 0; i < 20_000; i++) ran += agent.deliver({ probe: 'count_packets', payload: frame });
    expect(ran).toBe(20_000);
    const stopped = await eventually(() => agent.statuses().find((p) => p.program === 'hog' && p.state === 'failed'), 5_000, 'stopped');
    expect(stopped.error?.code).toBe('VM_CPU_BUDGET_EXCEEDED');
    expect(stopped.error?.message).toMatch(/of a CPU over the last .* s \(budget 0\.100 %\)/);
    expect(agent.deliver({ probe: 'count_packets', payload: frame })).toBe(0);
    // What it counted before the stop was snapshotted and sent.
    await eventually(async () => (deltaSum((await fleet.metrics()).filter((b) => b.agentId === agent.id), 'hog', 'counter') === 20_000n ? true : undefined), 10_000, 'counts before the stop');
    await agent.stop();
  });

  it('disk buffer full during an outage: the oldest batches are dropped, each with a counted warning, the rest replays', async () => {
    const target = new URL(NATS_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 4222));
    proxies.push(proxy);
    await proxy.start();
    const warnings: string[] = [];
    let disconnected = false;
    const log = (level: LogLevel, message: string) => {
      if (level === 'warn' && message.startsWith('metric buffer full')) warnings.push(message);
      if (level === 'warn' && message.startsWith('disconnected from NATS')) disconnected = true;
    };
    const agentId = 'fault-bound';
    const config = fleet.config({ runtime: 'vm', agentId, nats: proxy.url, snapshotInterval: '200ms', bufferMaxBytes: 2500 });
    const agent = await Agent.start(config, { log });
    agents.push(agent);
    const heartbeats: Heartbeat[] = [];
    const sub = fleet.nc.subscribe(fleet.names.heartbeat(agentId));
    void (async () => {
      for await (const m of sub) {
        const r = decodeMessage('heartbeat', m.data);
        if (r.ok) heartbeats.push(r.value);
      }
    })();
    await fleet.setDesired(agentId, [await fleet.publishArtifact('bound', 1, corpus('minimal.o'))]);
    await eventually(() => agent.statuses().find((p) => p.program === 'bound' && p.state === 'loaded'), 10_000, 'loaded');
    const frame = Buffer.from(FRAME, 'hex');
    // Messages handed to the NATS client: while disconnected it queues them in memory without bound.
    const handedToNats = () => (agent as unknown as { nc: NatsConnection }).nc.stats().outMsgs;
    await proxy.cut();
    await eventually(() => (disconnected ? true : undefined), 10_000, 'the agent noticing the disconnect');
    const handedAtCut = handedToNats();
    // One event per snapshot interval: one batch each, far more than 2,500 bytes in all.
    for (let i = 0; i < 25; i++) {
      agent.deliver({ probe: 'count_packets', payload: frame });
      await sleep(250);
    }
    // Offline the agent publishes nothing (no status, heartbeat or retried batch piles up in memory).
    expect(handedToNats() - handedAtCut).toBeLessThanOrEqual(1);
    const written = agent.lastSeq;
    expect(written).toBeGreaterThanOrEqual(15);
    expect(warnings.length).toBeGreaterThan(0);
    expect(agent.buffered + warnings.length).toBe(written);
    expect(warnings[warnings.length - 1]).toMatch(new RegExp(`\\(${warnings.length} dropped so far\\)`));
    await proxy.restore();
    const arrived = await eventually(async () => {
      const b = (await fleet.metrics()).filter((x) => x.agentId === agentId);
      return agent.buffered === 0 && b.length === written - warnings.length ? b : undefined;
    }, 20_000, 'the kept batches replayed');
    // The newest batches survive, in order; exactly the oldest ones are missing.
    expect(arrived.map((b) => b.seq)).toEqual(Array.from({ length: arrived.length }, (_, i) => warnings.length + 1 + i));
    const hb = await eventually(() => heartbeats.find((h) => h.agentErrors >= warnings.length), 5_000, 'heartbeat counting the drops');
    expect(hb.agentErrors).toBeGreaterThanOrEqual(warnings.length);
    sub.unsubscribe();
    await agent.stop();
  }, 40_000);
});
