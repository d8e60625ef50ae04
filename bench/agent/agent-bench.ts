/**
 * Agent benchmarks:
 *  - VM event delivery for a small counting program (`minimal.o`, xdp `count_packets`): events/s and
 *    µs/event through the agent's real delivery path (`Agent.deliver`, what every VM event source calls),
 *    next to its parts (`VmRunningProgram.deliver`, one `BpfVm.testRun`, the program alone with
 *    `repeat`) and end to end through the app-event Unix socket (JSON lines parsed by the agent);
 *  - agent CPU and RSS at idle with 10 programs loaded, each agent a real process: VM runtime (10
 *    counting programs, no events) and kernel runtime (10 syscall counters with one .bss value each;
 *    10 openat counters keyed by process, whose maps grow with the host's activity).
 *
 *   node --conditions=development --import ./scripts/ts-register.mjs bench/agent/agent-bench.ts [--quick] [--dist]
 *
 * `--dist` runs the idle agents from the build (`npm run build` first), as deployed; without it they run
 * from source through the TypeScript loader, which adds its own thread and tens of MiB of RSS.
 *
 * Needs NATS (NATS_URL, default nats://127.0.0.1:4222) and the compiled corpus; root for the kernel
 * idle case (skipped otherwise). Writes bench/results/agent.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import path from 'node:path';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadBpfObject } from '@bpfleet/elf';
import { probeKernel } from '@bpfleet/kernel';
import { Agent } from '../../apps/agent/src/agent.js';
import { VmRunningProgram } from '@bpfleet/vm-host';
import { FleetFixture, NATS_URL, corpus, eventually } from '../../apps/agent/src/testing/fleet-fixture.js';
import { exited, processUsage, spawnAgentProcess } from '../../apps/agent/src/testing/processes.js';

const quick = process.argv.includes('--quick');
const fromDist = process.argv.includes('--dist');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FRAME = new Uint8Array(64).fill(0xab);

/**
 * Best-of-batches ns per call for several functions, measured in turns (a, b, c, a, b, c, ...) so that
 * load on the shared cores hits them alike.
 */
function nsPerCallInTurns<K extends string>(fns: Record<K, () => void>, calls: (k: K) => number, rounds: number): Record<K, number> {
  const keys = Object.keys(fns) as K[];
  const best = {} as Record<K, number>;
  for (const k of keys) {
    for (let i = 0; i < Math.min(calls(k), 20_000); i++) fns[k]();
    best[k] = Infinity;
  }
  for (let r = 0; r < rounds; r++) {
    for (const k of keys) {
      const n = calls(k);
      const fn = fns[k];
      const t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn();
      best[k] = Math.min(best[k], Number(process.hrtime.bigint() - t) / n);
    }
  }
  return best;
}

function perEvent(ns: number) {
  return { nsPerEvent: round(ns, 1), usPerEvent: round(ns / 1000), eventsPerSecond: Math.round(1e9 / ns) };
}

async function vmDelivery(fleet: FleetFixture) {
  const calls = quick ? 50_000 : 200_000;
  const batches = quick ? 3 : 7;
  const object = loadBpfObject(corpus('minimal.o'), { name: 'minimal.o' });
  const config = fleet.config({ runtime: 'vm', agentId: 'bench-vm', snapshotInterval: '2s', vmCpuBudget: 64 });
  const socketPath = path.join(config.dataDir, 'events.sock');
  const agent = await Agent.start({ ...config, appEventSocket: socketPath });
  // The parts, outside the agent, next to the agent's own path (Agent.deliver, as the event sources call it).
  const running = VmRunningProgram.start(object, { cpus: 1, budget: 1_000_000 });
  try {
    await fleet.setDesired(agent.id, [await fleet.publishArtifact('benchcount', 1, corpus('minimal.o'))]);
    await eventually(() => agent.statuses().find((p) => p.program === 'benchcount' && p.state === 'loaded'), 10_000, 'loaded');
    const event = { probe: 'count_packets', payload: FRAME };
    const REPEAT = 1000;
    const t = nsPerCallInTurns(
      {
        program: () => running.vm.testRun('count_packets', { data: FRAME, repeat: REPEAT }),
        testRun: () => running.vm.testRun('count_packets', { data: FRAME }),
        runningDeliver: () => running.deliver('count_packets', FRAME),
        agentDeliver: () => agent.deliver(event),
      },
      (k) => (k === 'program' ? Math.max(1, calls / REPEAT) : calls),
      batches,
    );
    const program = t.program / REPEAT;
    const { testRun, runningDeliver, agentDeliver } = t;

    // End to end over the Unix socket: write N lines, wait until the agent delivered them all.
    const lines = quick ? 50_000 : 200_000;
    const line = `${JSON.stringify({ probe: 'count_packets', payload: Buffer.from(FRAME).toString('hex') })}\n`;
    const payload = line.repeat(lines);
    const base = agent.eventsDelivered;
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const s = createConnection(socketPath, () => s.end(payload, () => resolve()));
      s.on('error', reject);
    });
    await eventually(() => (agent.eventsDelivered - base >= lines ? true : undefined), 120_000, 'socket events delivered');
    const socketNs = Number(process.hrtime.bigint() - t0) / lines;
    const runs = agent.statuses().find((p) => p.program === 'benchcount');
    return {
      program: 'tests/bpf/build/minimal.o count_packets (xdp, 64-byte frame, array counter)',
      engine: 'JIT (WebAssembly)',
      calls,
      batches,
      programOnly: perEvent(program),
      testRun: perEvent(testRun),
      vmRunningProgramDeliver: perEvent(runningDeliver),
      agentDeliver: perEvent(agentDeliver),
      agentOverheadOverTestRunNs: round(agentDeliver - testRun, 1),
      unixSocketEndToEnd: { ...perEvent(socketNs), events: lines },
      statusRunCount: runs?.runCount ?? 0,
    };
  } finally {
    running.close();
    await agent.stop();
  }
}

async function idle(fleet: FleetFixture, runtime: 'kernel' | 'vm', object: string) {
  const warmupMs = quick ? 5_000 : 15_000;
  const measureMs = quick ? 10_000 : 30_000;
  const agentId = `bench-idle-${runtime}`;
  const config = fleet.config({ agentId });
  const keyFile = path.join(config.dataDir, 'controller.pub');
  writeFileSync(keyFile, fleet.publicKeyPem);
  const proc = spawnAgentProcess(['--nats', NATS_URL, '--prefix', fleet.names.prefix, '--id', agentId, '--controller-key', keyFile, '--data-dir', config.dataDir, '--runtime', runtime === 'vm' ? 'vm' : 'auto'], {}, { fromDist });
  const statuses = fleet.statuses(agentId);
  try {
    const programs = await Promise.all(Array.from({ length: 10 }, (_, i) => fleet.publishArtifact(`idle${i}`, 1, corpus(object))));
    await fleet.setDesired(agentId, programs);
    const last = await eventually(() => {
      const s = statuses[statuses.length - 1];
      return s && s.programs.length === 10 && s.programs.every((p) => p.state === 'loaded') ? s : undefined;
    }, 60_000, `10 programs loaded in the ${runtime} (agent log: ${proc.log()})`);
    if (!last.programs.every((p) => p.runtime?.kind === runtime)) throw new Error(`expected the ${runtime} runtime: ${JSON.stringify(last.programs.map((p) => p.runtime))}`);
    await sleep(warmupMs);
    const pid = proc.child.pid ?? 0;
    const a = processUsage(pid);
    const t0 = Date.now();
    let maxRss = a.rssBytes;
    while (Date.now() - t0 < measureMs) {
      await sleep(1000);
      maxRss = Math.max(maxRss, processUsage(pid).rssBytes);
    }
    const b = processUsage(pid);
    const seconds = (Date.now() - t0) / 1000;
    return {
      runtime,
      object,
      programs: 10,
      snapshotInterval: '10s',
      heartbeatInterval: '5s',
      measuredSeconds: round(seconds, 1),
      cpuPercentOfOneCore: round(((b.cpuSeconds - a.cpuSeconds) / seconds) * 100, 2),
      rssMiB: round(b.rssBytes / 2 ** 20, 1),
      maxRssMiB: round(maxRss / 2 ** 20, 1),
      startedFrom: fromDist ? 'dist (node apps/agent/bin/bpfleet-agent.js)' : 'source (TypeScript loader in a worker thread)',
    };
  } finally {
    await fleet.setDesired(agentId, []);
    proc.child.kill('SIGTERM');
    await exited(proc.child);
  }
}

const caps = probeKernel();
const loadBefore = loadavg()[0]!;
const fleet = await FleetFixture.create();
try {
  const delivery = await vmDelivery(fleet);
  console.log(JSON.stringify(delivery, null, 2));
  const idleVm = await idle(fleet, 'vm', 'minimal.o');
  console.log(JSON.stringify(idleVm));
  const kernelOk = caps.canLoad && caps.attach.tracepoint.ok && caps.attach.raw_tracepoint.ok;
  // Small maps (one .bss counter of every syscall) and maps that grow with the host's activity (one
  // entry per process that opened a file, up to 10,240 per map), each ten times.
  const idleKernel = kernelOk ? [await idle(fleet, 'kernel', 'kernel_raw_tp.o'), await idle(fleet, 'kernel', 'kernel_openat.o')] : [{ skipped: 'tracepoints cannot attach here' }];
  console.log(JSON.stringify(idleKernel));
  const results = {
    machine: { kernel: release(), cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, loadAverage1m: round(loadBefore, 2), date: new Date().toISOString() },
    quick,
    vmDelivery: delivery,
    idle: [idleVm, ...idleKernel],
    loadAverage1mAfter: round(loadavg()[0]!, 2),
  };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/agent.json'), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await fleet.close();
}
