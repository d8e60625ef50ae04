import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { type BpfObject, BpfProgType, loadBpfObject } from '@bpfleet/elf';
import { DEFAULT_PROFILE } from '../profiles.js';
import { type VerifyResult, decodeForVerify, verifyInstructions, verifyProgram } from '../verify.js';

/** One recorded kernel verdict (tests/verifier-corpus/verdicts.json). */
export interface RecordedVerdict {
  readonly file: string;
  readonly corpus: string;
  readonly mode: 'privileged' | 'unprivileged';
  readonly object: string;
  readonly format: 'raw' | 'elf';
  readonly insnsHex: string | null;
  readonly program: string;
  readonly section: string | null;
  readonly progType: string;
  readonly accepted: boolean;
  readonly kernelMessage: string | null;
  readonly kernelMessageLines: readonly string[];
  readonly insnsProcessed: number | null;
  readonly verificationTimeUsec: number | null;
}

export interface CorpusFile {
  readonly kernelRelease: string;
  readonly programs: readonly RecordedVerdict[];
}

export interface CorpusOutcome {
  readonly verdict: RecordedVerdict;
  readonly result: VerifyResult | null;
  /** Why the program could not be run through our verifier (unparsable object, unknown type). */
  readonly skipped: string | null;
  readonly timeMs: number;
  /** CPU time of the process over the verification (user + system; includes GC threads). */
  readonly cpuMs: number;
}

export function findRepoRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 10; i++) {
    if (existsSync(path.join(dir, 'nx.json'))) return dir;
    dir = path.dirname(dir);
  }
  return start;
}

export function readCorpus(repoRoot: string): CorpusFile | null {
  const file = path.join(repoRoot, 'tests/verifier-corpus/verdicts.json');
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as CorpusFile;
}

function progTypeOf(name: string): BpfProgType | undefined {
  const key = name.toUpperCase() as keyof typeof BpfProgType;
  const v = BpfProgType[key];
  return typeof v === 'number' ? v : undefined;
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** Runs one recorded program through our verifier with the mode it was recorded in. */
export function runRecorded(repoRoot: string, v: RecordedVerdict, objects: Map<string, BpfObject | Error>): CorpusOutcome {
  const opts = { profile: DEFAULT_PROFILE, privileged: v.mode === 'privileged', logLevel: 0 as const };
  if (v.format === 'raw') {
    const type = progTypeOf(v.progType);
    if (type === undefined || !v.insnsHex) return { verdict: v, result: null, skipped: `program type ${v.progType}`, timeMs: 0, cpuMs: 0 };
    const insns = decodeForVerify(hexBytes(v.insnsHex));
    const t = performance.now();
    const c = process.cpuUsage();
    const result = verifyInstructions({ insns, type }, opts);
    return { verdict: v, result, skipped: null, timeMs: performance.now() - t, cpuMs: cpuMsSince(c) };
  }
  let obj = objects.get(v.object);
  if (!obj) {
    try {
      obj = loadBpfObject(new Uint8Array(readFileSync(path.join(repoRoot, v.object))), { name: path.basename(v.object) });
    } catch (e) {
      obj = e instanceof Error ? e : new Error(String(e));
    }
    objects.set(v.object, obj);
  }
  if (obj instanceof Error) return { verdict: v, result: null, skipped: `object: ${obj.message}`, timeMs: 0, cpuMs: 0 };
  const prog = obj.programs.find((p) => p.name === v.program);
  if (!prog) return { verdict: v, result: null, skipped: `no program ${v.program} in ${v.object}`, timeMs: 0, cpuMs: 0 };
  const t = performance.now();
  const c = process.cpuUsage();
  const result = verifyProgram(obj, prog, opts);
  return { verdict: v, result, skipped: null, timeMs: performance.now() - t, cpuMs: cpuMsSince(c) };
}

/** Does our error text contain the kernel's key message (its last message line)? */
export function messageMatches(v: RecordedVerdict, r: VerifyResult): boolean {
  if (v.accepted || !r.error) return v.accepted === r.accepted;
  const ours = `${r.error.message}`;
  const key = v.kernelMessage ?? v.kernelMessageLines[v.kernelMessageLines.length - 1] ?? '';
  if (!key) return true;
  if (ours.includes(key)) return true;
  return v.kernelMessageLines.some((l) => l.length > 0 && ours.includes(l));
}
