/**
 * VM benchmark through the real runner (`BpfVm.testRun`, BPF_PROG_TEST_RUN semantics): the
 * interpreter (and the JIT) against the kernel's JIT on the same XDP programs and packets
 * (bench/vm/programs/jit_bench.bpf.c: loop-heavy sum, FNV-1a over 1500 bytes, a packet parser, a
 * map-heavy program), plus the interpreter's time per instruction and the register-file choice.
 *
 *   node --conditions=development --import ./scripts/ts-register.mjs bench/vm/vm-bench.ts [--quick] [--rounds=N] [--allow-bpf-stats]
 *
 * Refuses to run while kernel.bpf_stats_enabled is 1 (see bpf-stats.ts); a kernel sample whose runs
 * the kernel counted anyway (a BPF_ENABLE_STATS fd) is flagged in the JSON (`kernelStatsCounted`).
 *
 * Each number is the median over N rounds (default 3, quick 1) of the whole comparison, each round
 * timing the interpreter, the JIT and the kernel one after the other.
 *
 * Writes bench/results/vm.json. The kernel part needs root/CAP_BPF and is skipped otherwise.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBpfObject, type BpfObject } from '@bpfleet/elf';
import { BpfVm, interpreterEngine, jitEngine, type EngineFactory } from '@bpfleet/vm';
import { ALLOW_BPF_STATS, refuseBpfStats, warnBpfStats } from './bpf-stats.js';
import { measureRegisterFiles } from './registers.js';
import { benchPacketFor, compileBenchObject } from './bench-programs.js';

const quick = process.argv.includes('--quick');
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');



/** Best ns/run over several batches after a time-based warm-up (the machine's cores are shared). */
/** Runs after the first on which retvals are compared too (map programs change their maps every run). */
const AGREEMENT_RUNS = 1000;

interface Retvals {
  /** One run on a fresh load. */
  readonly first: number;
  /** The last of AGREEMENT_RUNS more runs on the same maps. */
  readonly later: number;
}

function vmTime(object: BpfObject, program: string, engine: EngineFactory, packet: Uint8Array): { nsPerRun: number; insns: number; retvals: Retvals } {
  const vm = new BpfVm(object, { engine });
  const first = vm.testRun(program, { data: packet });
  const later = vm.testRun(program, { data: packet, repeat: AGREEMENT_RUNS });
  const warmEnd = performance.now() + (quick ? 300 : 1500);
  let repeat = 1;
  while (performance.now() < warmEnd) {
    const t0 = performance.now();
    vm.testRun(program, { data: packet, repeat });
    if (performance.now() - t0 < 2) repeat *= 2;
  }
  let best = Infinity;
  for (let b = 0; b < (quick ? 5 : 15); b++) best = Math.min(best, vm.testRun(program, { data: packet, repeat }).nsPerRun);
  return { nsPerRun: best, insns: first.insns, retvals: { first: first.retval, later: later.retval } };
}

/** The kernel's time per run (best of 5 repeat loops) and its retvals on a fresh load (see Retvals). */
async function kernelTime(elf: Uint8Array, program: string, packet: Uint8Array): Promise<{ nsPerRun: number; retvals: Retvals; statsCounted: boolean } | undefined> {
  try {
    const { loadObject } = await import('@bpfleet/kernel');
    const obj = loadObject(elf, { name: 'jit_bench' });
    try {
      const p = obj.program(program);
      const retvals = { first: p.testRun({ data: packet }).retval, later: p.testRun({ data: packet, repeat: AGREEMENT_RUNS }).retval };
      let best = Infinity;
      for (let b = 0; b < 5; b++) best = Math.min(best, p.testRun({ data: packet, repeat: quick ? 20_000 : 200_000 }).nsPerRun);
      // The kernel counts runs only while run-time statistics are on (sysctl or a BPF_ENABLE_STATS fd).
      const statsCounted = p.info().runCount > 0n;
      if (statsCounted) warnBpfStats(`${program}: the kernel counted run statistics during this sample (+~50 ns per run); flagged in the JSON`);
      return { nsPerRun: best, retvals, statsCounted };
    } finally {
      obj.close();
    }
  } catch (e) {
    console.error(`kernel comparison skipped for ${program}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

function readLoad(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

const bpfStatsAtStart = refuseBpfStats(process.argv);
const loadAtStart = readLoad();
const elf = compileBenchObject();
const object = loadBpfObject(elf, { name: 'jit_bench.o' });
const jit: EngineFactory = jitEngine();
/** Rounds of the whole comparison (kernel and VM in each); the table reports each number's median. */
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? (quick ? 1 : 3));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const program of ['loop_sum', 'fnv1a', 'parse', 'maps']) {
  const packet = benchPacketFor(program);
  const samples = { interpreter: [] as number[], jit: [] as number[], kernel: [] as number[], kernelStatsCounted: [] as boolean[] };
  let insns = 0;
  let retval = 0;
  for (let round = 0; round < rounds; round++) {
    const interp = vmTime(object, program, interpreterEngine, packet);
    const jitRun = vmTime(object, program, jit, packet);
    const kernel = await kernelTime(elf, program, packet);
    for (const [engineName, vmRun] of [['interpreter', interp], ['jit', jitRun]] as const) {
      const want = kernel?.retvals ?? interp.retvals;
      if (vmRun.retvals.first !== want.first || vmRun.retvals.later !== want.later) {
        throw new Error(`${program}: ${kernel ? 'the kernel' : 'the interpreter'} returned ${want.first} then ${want.later}, the ${engineName} ${vmRun.retvals.first} then ${vmRun.retvals.later}`);
      }
    }
    samples.interpreter.push(interp.nsPerRun);
    samples.jit.push(jitRun.nsPerRun);
    if (kernel) {
      samples.kernel.push(kernel.nsPerRun);
      samples.kernelStatsCounted.push(kernel.statsCounted);
    }
    insns = interp.insns;
    retval = interp.retvals.first;
  }
  const interpNs = median(samples.interpreter);
  const jitNs = median(samples.jit);
  const kernelNs = samples.kernel.length > 0 ? median(samples.kernel) : undefined;
  const row = {
    program,
    packetBytes: packet.length,
    retval,
    insnsPerRun: insns,
    interpreterNsPerRun: Math.round(interpNs),
    interpreterNsPerInsn: Number((interpNs / insns).toFixed(2)),
    // One decimal: the parser runs in a few ns (the kernel reports whole ns, rounded down).
    jitNsPerRun: Number(jitNs.toFixed(1)),
    kernelNsPerRun: kernelNs ?? null,
    interpreterToKernel: kernelNs ? Number((interpNs / kernelNs).toFixed(2)) : null,
    jitToKernel: kernelNs ? Number((jitNs / kernelNs).toFixed(2)) : null,
    rounds: { interpreterNsPerRun: samples.interpreter.map(Math.round), jitNsPerRun: samples.jit.map((x) => Number(x.toFixed(1))), kernelNsPerRun: samples.kernel, kernelStatsCounted: samples.kernelStatsCounted },
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}
const registers = measureRegisterFiles(quick);
console.log(JSON.stringify({ registers }));
const loadavg = { start: loadAtStart, end: readLoad() };
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench/results/vm.json'),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, machine: '2 shared cores', loadavg, bpfStatsEnabled: { atStart: bpfStatsAtStart, atEnd: refuseBpfStats([ALLOW_BPF_STATS]) }, quick, rounds, programs: rows, registers }, null, 2) + '\n',
);
