/**
 * Verifier benchmark: our verification time against the kernel's recorded verification time for the
 * same programs (tests/verifier-corpus/verdicts.json, `verification time N usec` from the kernel log),
 * plus generated straight-line programs of 1,000 and 10,000 instructions (the latter timed after five
 * untimed warm-up runs, whose CPU times are reported too); processed instructions/s.
 *
 *   node --conditions=development --import ./scripts/ts-register.mjs bench/verifier/verifier-bench.ts
 *
 * Writes bench/results/verifier.json. The young generation's size decides much of the time of long
 * programs (their garbage collection): add --max-semi-space-size=32 to measure with the setting
 * recommended for processes that verify long programs (recorded in the JSON as machine.nodeFlags).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfProgType, type BpfObject } from '@bpfleet/elf';
import { type AsmItem, type Instruction, R0, R1, R2, R3, R6, R10, asm, encodeInstructions, label, link } from '@bpfleet/isa';
import { verifyInstructions } from '../../libs/bpf/verifier/src/verify.js';
import { readCorpus, runRecorded } from '../../libs/bpf/verifier/src/testing/corpus.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** A program of about `n` instructions: stack stores, ALU chains and bounded branches, like compiled C. */
function generated(n: number): AsmItem[] {
  const items: AsmItem[] = [asm.mov64Reg(R6, R1), asm.mov64Imm(R0, 0)];
  let k = 0;
  // Each block is 8 instructions (its label takes no slot).
  while (2 + 8 * (k + 1) + 2 <= n) {
    const slot = -8 * ((k % 60) + 1);
    items.push(
      asm.ldx(32, R2, R6, 0),
      asm.and64Imm(R2, 0xff),
      asm.add64Reg(R0, R2),
      asm.stx(64, R10, slot, R0),
      asm.jgtImm(R2, 100, `s${k}`),
      asm.add64Imm(R0, 3),
      label(`s${k}`),
      asm.ldx(64, R3, R10, slot),
      asm.xor64Reg(R0, R3),
    );
    k++;
  }
  items.push(asm.and64Imm(R0, 1), asm.exit());
  return items;
}

const loader = path.join(root, 'tools/record-verdicts/build/bpfload');

/**
 * The kernel's own `verification time` for the same instructions (median of `runs` loads), through
 * the recording loader; null when it is not built or this process may not load programs.
 */
function kernelVerificationUs(insns: readonly Instruction[], runs: number): number | null {
  if (!existsSync(loader) || process.getuid?.() !== 0) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'verifier-bench-'));
  try {
    const file = path.join(dir, 'prog.bin');
    writeFileSync(file, encodeInstructions(insns));
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const out = execFileSync(loader, ['--log-level', '4', 'raw', file, 'socket_filter', 'generated'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const m = /verification time (\d+) usec/.exec(out);
      if (!m) return null;
      times.push(Number(m[1]));
    }
    return median(times);
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Times `runs` verifications of a generated program after `warmup` untimed ones (reported apart): the
 * first verifications of a new program size in a fresh process pay for JIT compilation and heap growth,
 * which a long-running controller pays once.
 */
function timeGenerated(n: number, warmup: number, runs: number) {
  const insns = link(generated(n));
  const warmupCpuMs: number[] = [];
  for (let i = 0; i < warmup; i++) {
    const c = process.cpuUsage();
    verifyInstructions({ insns, type: BpfProgType.SOCKET_FILTER });
    const d = process.cpuUsage(c);
    warmupCpuMs.push(Math.round((d.user + d.system) / 100) / 10);
  }
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let processed = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    const r = verifyInstructions({ insns, type: BpfProgType.SOCKET_FILTER });
    const d = process.cpuUsage(c);
    times.push(performance.now() - t);
    cpuTimes.push((d.user + d.system) / 1000);
    if (!r.accepted) throw new Error(`generated program rejected: ${r.error?.message}`);
    processed = r.insnsProcessed;
  }
  const ms = median(times);
  // CPU time shows the cost without the wait for a core on a loaded machine (it includes GC threads).
  return {
    insns: insns.length,
    insnsProcessed: processed,
    warmupCpuMs,
    medianMs: ms,
    minMs: Math.min(...times),
    medianCpuMs: median(cpuTimes),
    kernelUs: kernelVerificationUs(insns, 5),
    insnsPerSecond: Math.round((processed / ms) * 1000),
  };
}

const loadBefore = loadavg()[0];
const corpus = readCorpus(root);
const rows: { file: string; program: string; insnsProcessed: number; kernelUs: number; oursUs: number; oursCpuUs: number }[] = [];
if (corpus) {
  const objects = new Map<string, BpfObject | Error>();
  for (const v of corpus.programs) {
    if (!v.verificationTimeUsec || !v.accepted) continue;
    const samples: number[] = [];
    const cpuSamples: number[] = [];
    let processed = 0;
    for (let i = 0; i < 3; i++) {
      const o = runRecorded(root, v, objects);
      if (!o.result) break;
      samples.push(o.timeMs * 1000);
      cpuSamples.push(o.cpuMs * 1000);
      processed = o.result.insnsProcessed;
    }
    if (samples.length) {
      rows.push({ file: v.file, program: v.program, insnsProcessed: processed, kernelUs: v.verificationTimeUsec, oursUs: Math.round(median(samples)), oursCpuUs: Math.round(median(cpuSamples)) });
    }
  }
}
const kernelTotal = rows.reduce((a, r) => a + r.kernelUs, 0);
const oursTotal = rows.reduce((a, r) => a + r.oursUs, 0);
const oursCpuTotal = rows.reduce((a, r) => a + r.oursCpuUs, 0);
const ratios = rows.map((r) => r.oursUs / Math.max(r.kernelUs, 1));
const g1k = timeGenerated(1000, 0, 15);
const g10k = timeGenerated(10_000, 5, 9);
const result = {
  when: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', kernel: release(), node: process.version, nodeFlags: process.execArgv.filter((a) => a.startsWith('--max-')) },
  loadAverage: { start: loadBefore, end: loadavg()[0] },
  corpus: {
    kernelRelease: corpus?.kernelRelease ?? null,
    programs: rows.length,
    kernelTotalUs: kernelTotal,
    oursTotalUs: oursTotal,
    totalRatio: kernelTotal ? oursTotal / kernelTotal : null,
    oursCpuTotalUs: oursCpuTotal,
    cpuTotalRatio: kernelTotal ? oursCpuTotal / kernelTotal : null,
    medianRatio: median(ratios),
    slowest: [...rows].sort((a, b) => b.oursUs - a.oursUs).slice(0, 5),
  },
  generated1k: g1k,
  generated10k: g10k,
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/verifier.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify({ corpus: { ...result.corpus, slowest: undefined }, generated1k: g1k, generated10k: g10k }, null, 2));
