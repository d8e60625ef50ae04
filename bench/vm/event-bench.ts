/**
 * Per-event cost of running a small program in the VM, as the agent does for every event: the
 * counting XDP program of the corpus (`minimal.o`, `count_packets`) and a raw_tp program
 * (`vm_tracing.o`, `raw_args`), each through
 *  - `testRun` (what the agent called per event before prepared runs),
 *  - `prepare(name).run(bytes)` (the prepared, allocation-free form),
 *  - the agent's `VmRunningProgram.deliver` (@bpfleet/vm-host: program lookup by probe name, the
 *    prepared run, stats),
 *  - the program alone (`testRun` with `repeat`: no per-event work),
 * with the interpreter and the JIT. Each is reported as the least disturbed and the median batch,
 * batches taken in turn with the other variants' after a warm-up (the machine's 2 cores are shared).
 *
 *   node --conditions=development --import ./scripts/ts-register.mjs bench/vm/event-bench.ts [--quick]
 *
 * Needs the compiled corpus (`bash tests/bpf/build.sh`). Writes bench/results/vm-events.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBpfObject } from '@bpfleet/elf';
import { BpfVm, interpreterEngine, jitEngine, type EngineFactory } from '@bpfleet/vm';
import { VmRunningProgram } from '@bpfleet/vm-host';

const quick = process.argv.includes('--quick');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = (file: string): Uint8Array => readFileSync(path.join(root, 'tests/bpf/build', file));

/**
 * ns per call of each function over batches taken in turn (one batch of each, then again), after a
 * warm-up long enough for V8 to tier the Wasm code up: interleaving keeps a change of load on the
 * shared cores from favouring one variant. `min` is the least disturbed batch, `median` the typical.
 */
function nsPerCall<K extends string>(fns: Record<K, () => void>): Record<K, { min: number; median: number }> {
  const names = Object.keys(fns) as K[];
  const perBatch = {} as Record<K, number>;
  for (const name of names) {
    const warmEnd = performance.now() + (quick ? 150 : 800);
    let calls = 0;
    while (performance.now() < warmEnd) {
      fns[name]();
      calls++;
    }
    perBatch[name] = Math.max(1, Math.round(calls / (quick ? 6 : 15)));
  }
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let b = 0; b < (quick ? 9 : 31); b++) {
    for (const name of names) {
      const fn = fns[name];
      const n = perBatch[name];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) fn();
      samples[name].push(((performance.now() - t0) * 1e6) / n);
    }
  }
  const out = {} as Record<K, { min: number; median: number }>;
  for (const name of names) {
    const xs = samples[name].sort((x, y) => x - y);
    out[name] = { min: round(xs[0]), median: round(xs[Math.floor(xs.length / 2)]) };
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

interface Case {
  readonly object: string;
  readonly program: string;
  readonly probe: string;
  /** Packet (XDP) or context (raw_tp) bytes of every event. */
  readonly input: Uint8Array;
  readonly packet: boolean;
}

const cases: Case[] = [
  { object: 'minimal.o', program: 'count_packets', probe: 'count_packets', input: new Uint8Array(64).fill(0xab), packet: true },
  { object: 'vm_tracing.o', program: 'raw_args', probe: 'raw_args', input: new Uint8Array(new BigUint64Array([3n, 4096n, 0n, 7n]).buffer), packet: false },
];

const engines: [string, EngineFactory][] = [
  ['interpreter', interpreterEngine],
  ['jit', jitEngine({ onFallback: () => undefined })],
];

const rows = [];
for (const c of cases) {
  const object = loadBpfObject(corpus(c.object), { name: c.object.replace(/\.o$/, '') });
  for (const [engineName, engine] of engines) {
    const vm = new BpfVm(object, { engine });
    const input = c.packet ? { data: c.input } : { ctx: c.input };
    const prepared = vm.prepare(c.program);
    if (prepared.run(c.input) !== vm.testRun(c.program, input).retval) throw new Error(`${c.program}: prepared run and test run disagree`);
    const fns: Record<string, () => void> = {
      testRun: () => vm.testRun(c.program, input),
      prepared: () => prepared.run(c.input),
    };
    // raw_tp test runs do not repeat: no "program alone" number there.
    if (c.packet) fns.program = () => vm.testRun(c.program, { data: c.input, repeat: 1000 });
    if (engineName === 'jit') {
      // The agent always runs the JIT (falling back to the interpreter per program).
      const running = VmRunningProgram.start(object, { cpus: 1, budget: 1_000_000 });
      if (running.deliver(c.probe, c.input) !== 1) throw new Error(`${c.probe}: the agent ran no program`);
      fns.deliver = () => running.deliver(c.probe, c.input);
    }
    const ns = nsPerCall(fns);
    const row = {
      object: c.object,
      program: c.program,
      engine: engineName,
      inputBytes: c.input.length,
      testRunNsPerEvent: ns.testRun,
      preparedNsPerEvent: ns.prepared,
      agentDeliverNsPerEvent: ns.deliver ?? null,
      programAloneNsPerRun: ns.program === undefined ? null : { min: round(ns.program.min / 1000), median: round(ns.program.median / 1000) },
    };
    console.log(JSON.stringify(row));
    rows.push(row);
  }
}

mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench/results/vm-events.json'),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, machine: '2 shared cores', loadavg: loadavg().map((x) => round(x)), quick, rows }, null, 2)}\n`,
);
