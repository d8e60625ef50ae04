import fc from 'fast-check';
import type { Instruction } from '@bpfleet/isa';
import { AddressSpace } from '../memory/address-space.js';
import { PERM_RW, RegionKind } from '../memory/layout.js';
import { defaultEnv } from '../runner/env.js';
import { Interpreter } from './interpreter.js';
import { DecodedProgram, OP_MOV_ADD } from './program.js';
import { RunContext } from './run-context.js';

/*
 * The interpreter's decoded code fuses `mov64 rD, rS` + `add64` pairs into one dispatch
 * (OP_MOV_ADD). On random programs full of such pairs, with loops, jumps into the middle of a pair,
 * loads, stores and faults, and budgets that run out anywhere (also between the two halves of a
 * pair), the fused and the plain decoding must end the same way: same r0 and instruction count, or
 * the same error at the same instruction, and the same memory.
 */

const insn = (opcode: number, dst = 0, src = 0, offset = 0, imm = 0): Instruction => ({ opcode, dst, src, offset, imm });
const reg = fc.integer({ min: 0, max: 9 });
const anyReg = fc.integer({ min: 0, max: 10 });
const small = fc.oneof(fc.integer({ min: -16, max: 16 }), fc.constantFrom(0x7fffffff, -0x80000000, -1));
const jump = fc.integer({ min: -6, max: 6 });

const chunk: fc.Arbitrary<readonly Instruction[]> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(reg, anyReg, fc.boolean(), anyReg, small).map(([d, s, x, s2, k]) => [insn(0xbf, d, s), x ? insn(0x0f, d, s2) : insn(0x07, d, 0, 0, k)]) },
  { weight: 2, arbitrary: fc.tuple(reg, anyReg).map(([d, s]) => [insn(0xbf, d, s)]) },
  { weight: 2, arbitrary: fc.tuple(reg, small).map(([d, k]) => [insn(0x07, d, 0, 0, k)]) },
  { weight: 1, arbitrary: fc.tuple(reg, small).map(([d, k]) => [insn(0xb7, d, 0, 0, k)]) },
  { weight: 2, arbitrary: jump.map((off) => [insn(0x05, 0, 0, off)]) },
  { weight: 2, arbitrary: fc.tuple(reg, jump, small).map(([d, off, k]) => [insn(0x55, d, 0, off, k)]) },
  // Loads from the input (r1 at entry) or any register, stores to the stack or any register.
  { weight: 2, arbitrary: fc.tuple(reg, fc.constantFrom(1, 1, 1, 2, 6), fc.integer({ min: -8, max: 64 })).map(([d, s, off]) => [insn(0x79, d, s, off)]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(10, 10, 1, 3), anyReg, fc.integer({ min: -520, max: 8 })).map(([d, s, off]) => [insn(0x7b, d, s, off)]) },
  { weight: 1, arbitrary: fc.constant([insn(0x95)]) },
);

interface Side {
  readonly outcome: unknown;
  readonly memory: string;
}

function run(insns: Instruction[], specialize: boolean, budget: number): Side {
  const mem = new AddressSpace({ initialBytes: 256 * 1024 });
  const interp = new Interpreter(mem, new Map());
  const input = mem.allocate('input', RegionKind.Input, 64, PERM_RW);
  mem.u8.set(Uint8Array.from({ length: 64 }, (_, i) => (i * 29 + 3) & 0xff), input.base);
  let outcome: unknown;
  try {
    const program = new DecodedProgram(insns, { helpers: new Map(), specialize });
    const result = interp.run(program, new RunContext(mem, defaultEnv()), { args: [BigInt(input.base)], budget });
    outcome = { r0: result.r0, insns: result.insns };
  } catch (e) {
    const error = e as Error & { code?: string; pc?: number };
    outcome = { error: error.constructor.name, code: error.code, pc: error.pc, message: error.message };
  }
  const stack = interp.stack;
  const memory = Buffer.from(mem.u8.subarray(input.base, input.base + 64)).toString('hex') + Buffer.from(mem.u8.subarray(stack.base, stack.base + stack.capacity)).toString('hex');
  return { outcome, memory };
}

describe('specialised interpreter code (fused mov64 + add64)', () => {
  it('should fuse a mov64 followed by an add64, and only then', () => {
    const program = new DecodedProgram([insn(0xbf, 2, 10), insn(0x07, 2, 0, 0, -8), insn(0xbf, 3, 1), insn(0x0f, 3, 2), insn(0xbf, 0, 3), insn(0x95)], { helpers: new Map() });
    const op = (pc: number): number => program.code[program.codeBase + pc * 4] & 0xff;
    expect([op(0), op(1), op(2), op(3), op(4), op(5)]).toEqual([OP_MOV_ADD, 0x07, OP_MOV_ADD, 0x0f, 0xbf, 0x95]);
    const plain = new DecodedProgram(program.instructions, { helpers: new Map(), specialize: false });
    expect(plain.code[plain.codeBase] & 0xff).toBe(0xbf);
  });

  it('should end random programs exactly as the plain decoding does, whatever the budget', () => {
    fc.assert(
      fc.property(fc.array(chunk, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 400 }), (chunks, budget) => {
        const insns = [...chunks.flat(), insn(0xbf, 0, 6), insn(0x95)];
        expect(run(insns, true, budget)).toEqual(run(insns, false, budget));
      }),
      { numRuns: 1500 },
    );
  });
});
