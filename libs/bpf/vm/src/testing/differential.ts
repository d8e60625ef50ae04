import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadBpfObject } from '@bpfleet/elf';
import { dumpMaps, toHex } from '../runner/dump.js';
import { defaultEnv } from '../runner/env.js';
import { BpfVm } from '../runner/vm.js';
import type { EngineFactory } from '../runner/engine.js';

/**
 * The kernel differential cases (testdata/differential: results recorded from BPF_PROG_TEST_RUN, see
 * tools/record-differential.mjs), shared by the interpreter's and the JIT's specs.
 */
export interface DifferentialCase {
  name: string;
  object: string;
  program: string;
  data?: string;
  ctx?: string;
  repeat?: number;
  tailCalls?: Record<string, Record<string, string>>;
}
export interface KernelResult {
  retval: number;
  dataOut: string;
  ctxOut: string | null;
  maps: Record<string, Record<string, string>>;
  error?: string;
}
/** What a run produced, in the shape the kernel's results were recorded in. */
export type Observed = Omit<KernelResult, 'error'>;

const repoRoot = path.resolve(import.meta.dirname, '../../../../..');
const dir = path.resolve(import.meta.dirname, '../testdata/differential');
export const differentialCases = (JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as { cases: DifferentialCase[] }).cases;
export const kernelFixtures = JSON.parse(readFileSync(path.join(dir, 'kernel-results.json'), 'utf8')) as { cpus: number; results: Record<string, KernelResult> };
/** Whether the C corpus is built (the cases' objects live in tests/bpf/build). */
export const corpusBuilt = existsSync(path.join(repoRoot, 'tests/bpf/build/vm_alu.o'));

const bytes = (hex?: string) => (hex === undefined ? undefined : new Uint8Array(Buffer.from(hex, 'hex')));

/** Runs one case in the VM (the default engine unless `engine` is given) and returns what the kernel recorded for comparison. */
export function runDifferentialCase(c: DifferentialCase, expected: KernelResult, engine?: EngineFactory): { got: Observed; want: Observed } {
  const file = path.join(repoRoot, 'tests/bpf/build', c.object);
  const object = loadBpfObject(readFileSync(file), { name: file });
  const vm = new BpfVm(object, { cpus: kernelFixtures.cpus, env: defaultEnv(), ...(engine ? { engine } : {}) });
  for (const [mapName, slots] of Object.entries(c.tailCalls ?? {})) {
    for (const [index, programName] of Object.entries(slots)) vm.setTailCall(mapName, Number(index), programName);
  }
  const run = vm.testRun(c.program, { data: bytes(c.data), ctx: bytes(c.ctx), repeat: c.repeat ?? 1 });
  const maps = dumpMaps(vm.maps);
  return {
    got: {
      retval: run.retval,
      dataOut: toHex(run.dataOut),
      ctxOut: c.ctx === undefined ? null : toHex(run.ctxOut ?? new Uint8Array(0)),
      maps: Object.fromEntries(Object.keys(expected.maps).map((name) => [name, maps[name]!])),
    },
    want: { retval: expected.retval, dataOut: expected.dataOut, ctxOut: expected.ctxOut, maps: expected.maps },
  };
}
