import { assemble, decodeInstructions, parseConformanceFile, validateProgram, type Instruction } from '@bpfleet/isa';
import type { Helper, HelperTable } from '../helpers/types.js';
import { Interpreter } from '../interpreter/interpreter.js';
import { DecodedProgram } from '../interpreter/program.js';
import { RunContext } from '../interpreter/run-context.js';
import { AddressSpace } from '../memory/address-space.js';
import { PERM_RW, RegionKind } from '../memory/layout.js';
import { defaultEnv } from '../runner/env.js';

/**
 * The bpf_conformance suite's helper table: only helper 5, "unwind", which returns r1 and stops the
 * program with r0 = 0 when r1 is 0.
 */
export function conformanceHelpers(): HelperTable {
  const unwind: Helper = {
    id: 5,
    name: 'unwind',
    fn: (vm, r1) => {
      if (r1 === 0n) vm.requestExit(0n);
      return r1;
    },
  };
  return new Map([[5, unwind]]);
}

/** Runs one program with the suite's calling convention: r1 = memory address (or 0), r2 = its length. */
export interface ConformanceEngine {
  readonly name: string;
  run(insns: readonly Instruction[], mem: Uint8Array): bigint;
}

/** The interpreter as a conformance engine: a fresh address space per test. */
export const interpreterConformanceEngine: ConformanceEngine = {
  name: 'interp',
  run(insns, memBytes) {
    const mem = new AddressSpace({ initialBytes: 256 * 1024 });
    const helpers = conformanceHelpers();
    const interp = new Interpreter(mem, helpers);
    const program = new DecodedProgram(insns, { helpers, name: 'conformance', lateHelperBinding: true });
    let address = 0n;
    if (memBytes.length > 0) {
      const region = mem.allocate('mem', RegionKind.Input, memBytes.length, PERM_RW);
      mem.u8.set(memBytes, region.base);
      address = BigInt(region.base);
    }
    const ctx = new RunContext(mem, defaultEnv());
    return interp.run(program, ctx, { args: [address, BigInt(memBytes.length)], budget: 10_000_000 }).r0;
  },
};

export type ConformanceOutcome =
  | { readonly file: string; readonly status: 'pass'; readonly got: bigint }
  | { readonly file: string; readonly status: 'fail'; readonly expected: string; readonly got: string };

/**
 * Runs one `.data` file. A test with `-- result` passes when r0 equals it; a test with `-- error`
 * passes when the program is refused (by the reader, the assembler, validation or the engine).
 */
export function runConformanceText(file: string, text: string, engine: ConformanceEngine): ConformanceOutcome {
  let expected = '';
  try {
    const test = parseConformanceFile(text);
    expected = test.error !== undefined ? `error: ${test.error}` : test.result !== undefined ? `0x${test.result.toString(16)}` : 'a result section';
    const insns = test.raw ? decodeInstructions(test.raw) : test.asm !== undefined ? assemble(test.asm) : undefined;
    if (!insns || insns.length === 0) return { file, status: 'fail', expected, got: 'no program' };
    validateProgram(insns);
    const r0 = BigInt.asUintN(64, engine.run(insns, test.mem));
    if (test.error !== undefined) return { file, status: 'fail', expected, got: `0x${r0.toString(16)}` };
    if (test.result === undefined) return { file, status: 'fail', expected, got: `0x${r0.toString(16)}` };
    return r0 === test.result ? { file, status: 'pass', got: r0 } : { file, status: 'fail', expected, got: `0x${r0.toString(16)}` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (expected.startsWith('error:')) return { file, status: 'pass', got: 0n };
    return { file, status: 'fail', expected: expected || 'a readable test', got: `error: ${message}` };
  }
}
