import { assemble, decodeInstructions, type Instruction } from '@bpfleet/isa';
import type { ExecutionEnv, Helper, HelperTable } from '../../helpers/types.js';
import { Interpreter } from '../../interpreter/interpreter.js';
import { DecodedProgram } from '../../interpreter/program.js';
import { RunContext } from '../../interpreter/run-context.js';
import { AddressSpace } from '../../memory/address-space.js';
import { PERM_RW, RegionKind } from '../../memory/layout.js';
import { JitEngine, type JitEngineOptions } from '../engine.js';

/** The conformance suite's helper 5 ("unwind"): returns r1, and stops the program with r0 = 0 when r1 is 0. */
export const UNWIND_HELPER: Helper = {
  id: 5,
  name: 'unwind',
  fn: (vm, r1) => {
    if (r1 === 0n) vm.requestExit(0n);
    return r1;
  },
};

export const TEST_ENV: ExecutionEnv = {
  pidTgid: 0n,
  uidGid: 0n,
  comm: 'test',
  monotonicNs: () => 0n,
  bootNs: () => 0n,
  randomU32: () => 4,
  trace: () => undefined,
  numaNode: 0,
};

/** The outcome of one run, comparable across engines. */
export interface Outcome {
  readonly r0?: bigint;
  readonly error?: string;
  readonly code?: string;
  readonly pc?: number;
  readonly insns?: number;
  /** The input memory after the run. */
  readonly mem: Uint8Array;
  /** The stack region after the run (all frames). */
  readonly stack: Uint8Array;
}

/** Runs one program on both engines, each in its own fresh address space with the same input memory. */
export class DualRunner {
  constructor(
    private readonly helpers: HelperTable = new Map([[UNWIND_HELPER.id, UNWIND_HELPER]]),
    private readonly jitOptions: JitEngineOptions = {},
  ) {}

  decode(insns: Instruction[]): DecodedProgram {
    return new DecodedProgram(insns, { helpers: this.helpers, lateHelperBinding: true, name: 'test' });
  }

  run(engine: 'interpreter' | 'jit', insns: Instruction[], input: Uint8Array, budget?: number): Outcome {
    const mem = new AddressSpace({ initialBytes: 1 << 20 });
    const runner =
      engine === 'jit'
        ? new JitEngine(mem, this.helpers, {
            onFallback: (_p, reason) => {
              throw new Error(`jit fell back: ${reason}`);
            },
            ...this.jitOptions,
          })
        : new Interpreter(mem, this.helpers);
    const stack = runner instanceof JitEngine ? runner.interpreter.stack : runner.stack;
    let address = 0;
    if (input.length > 0) {
      const region = mem.allocate('input', RegionKind.Input, input.length, PERM_RW);
      mem.u8.set(input, region.base);
      address = region.base;
    }
    const read = (): { mem: Uint8Array; stack: Uint8Array } => ({
      mem: input.length > 0 ? mem.u8.slice(address, address + input.length) : new Uint8Array(0),
      stack: mem.u8.slice(stack.base, stack.base + stack.capacity),
    });
    let program: DecodedProgram;
    try {
      program = this.decode(insns);
    } catch (error) {
      return { error: String(error), ...read() };
    }
    const ctx = new RunContext(mem, TEST_ENV);
    try {
      const result = runner.run(program, ctx, { args: [BigInt(address), BigInt(input.length)], ...(budget !== undefined ? { budget } : {}) });
      return { r0: result.r0, insns: result.insns, ...read() };
    } catch (error) {
      const e = error as { code?: string; pc?: number; message?: string };
      return { error: e.message ?? String(error), code: e.code ?? 'unknown', pc: e.pc ?? -1, ...read() };
    }
  }
}

/** The instructions of a conformance test (`-- asm` assembled, or `-- raw` decoded). */
export function conformanceProgram(test: { asm?: string; raw?: Uint8Array }): Instruction[] {
  if (test.raw) return decodeInstructions(test.raw);
  return assemble(test.asm ?? '');
}
