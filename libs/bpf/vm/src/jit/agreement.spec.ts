import fc from 'fast-check';
import type { Instruction } from '@bpfleet/isa';
import { DualRunner, type Outcome } from './testing/harness.js';

/**
 * Differential property tests: random valid programs run on the interpreter and the JIT must end
 * the same way: same r0, instructions executed, stack and input bytes; or the same fault at the same
 * instruction; or both out of budget. Programs include loops (backward jumps), so runaway ones are
 * stopped by the budget.
 */

const u32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const edgeImm = fc.oneof(u32, fc.constantFrom(0, 1, -1, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 8, 16));
const reg = fc.integer({ min: 0, max: 9 });
const i64 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(0n, 1n, (1n << 64n) - 1n, 1n << 63n, 0x80000000n, 0xffffffffn));

const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0];
const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
const SIZES = [0x00, 0x08, 0x10, 0x18];
const SIZE_BYTES: Record<number, number> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };
const ATOMICS = [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1];

type Gen = (slot: number, length: number) => fc.Arbitrary<Instruction>;

const ins = (opcode: number, dst: number, src: number, offset: number, imm: number): Instruction => ({ opcode, dst, src, offset, imm });

const alu: Gen = () =>
  fc.tuple(fc.constantFrom(0x04, 0x07), fc.constantFrom(...ALU_OPS), fc.boolean(), reg, reg, edgeImm, fc.integer({ min: 0, max: 9 })).map(([cls, op, x, dst, src, imm, pick]) => {
    let offset = 0;
    if ((op === 0x30 || op === 0x90) && pick < 4) offset = 1; // sdiv / smod
    if (op === 0xb0 && x) offset = [0, 8, 16, 32][pick % 4] === 32 && cls === 0x04 ? 16 : [0, 8, 16, 32][pick % 4];
    if (op === 0x80) return ins(cls | op, dst, 0, 0, 0);
    return ins(cls | op | (x ? 0x08 : 0), dst, x ? src : 0, offset, imm);
  });

const swap: Gen = () =>
  fc.tuple(fc.constantFrom(0xd4, 0xdc, 0xd7), reg, fc.constantFrom(16, 32, 64)).map(([op, dst, imm]) => ins(op, dst, 0, 0, imm));

/** Stack offsets from r10, mostly in bounds, sometimes just outside (a fault both engines must report). */
const stackOffset = (size: number): fc.Arbitrary<number> =>
  fc.oneof({ weight: 12, arbitrary: fc.integer({ min: -512, max: -size }) }, { weight: 1, arbitrary: fc.constantFrom(-520, -size + 1, 0, 4096) });

const memory: Gen = () =>
  fc.constantFrom(...SIZES).chain((size) =>
    fc.tuple(fc.constantFrom('ldx', 'ldsx', 'st', 'stx', 'atomic'), reg, reg, stackOffset(SIZE_BYTES[size]), edgeImm, fc.constantFrom(...ATOMICS)).map(([kind, dst, src, off, imm, aop]) => {
      switch (kind) {
        case 'ldx':
          return ins(0x61 | size, dst, 10, off, 0);
        case 'ldsx':
          return size === 0x18 ? ins(0x61 | size, dst, 10, off, 0) : ins(0x81 | size, dst, 10, off, 0);
        case 'st':
          return ins(0x62 | size, 10, 0, off, imm);
        case 'stx':
          return ins(0x63 | size, 10, src, off, 0);
        default:
          return ins(size === 0x18 ? 0xdb : 0xc3, 10, src, off, aop);
      }
    }),
  );

const jump: Gen = (slot, length) =>
  fc.tuple(fc.constantFrom(0x05, 0x06), fc.constantFrom(...JMP_OPS), fc.boolean(), reg, reg, edgeImm, fc.integer({ min: 0, max: length - 1 })).map(([cls, op, x, dst, src, imm, target]) => {
    const offset = target - slot - 1;
    return ins(cls | op | (x ? 0x08 : 0), dst, x ? src : 0, offset, imm);
  });

const ja: Gen = (slot, length) => fc.integer({ min: 0, max: length - 1 }).map((target) => ins(0x05, 0, 0, target - slot - 1, 0));

/**
 * Body of `length` instructions at slots [start, start + length); jumps stay in the body or go to its
 * final exit. With `callee`, some instructions are bpf-to-bpf calls to the function at that slot.
 */
function body(start: number, length: number, callee?: number): fc.Arbitrary<Instruction[]> {
  const one = (slot: number): fc.Arbitrary<Instruction> =>
    fc.oneof(
      { weight: 8, arbitrary: alu(slot, length) },
      { weight: 1, arbitrary: swap(slot, length) },
      { weight: 4, arbitrary: memory(slot, length) },
      { weight: 3, arbitrary: jump(slot, start + length + 1).filter((j) => slot + j.offset + 1 >= start) },
      { weight: 1, arbitrary: ja(slot, start + length + 1).filter((j) => slot + j.offset + 1 >= start && j.offset !== -1) },
      { weight: callee === undefined ? 0 : 1, arbitrary: fc.constant(ins(0x85, 0, 1, 0, (callee ?? 0) - slot - 1)) },
    );
  return fc.tuple(...Array.from({ length }, (_, i) => one(start + i)));
}

const EXIT = ins(0x95, 0, 0, 0, 0);

const programArb = fc
  .tuple(fc.array(i64, { minLength: 10, maxLength: 10 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 12 }))
  .chain(([init, length, calleeLength]) => {
    const prologue: Instruction[] = [];
    init.forEach((v, r) => {
      prologue.push({ opcode: 0x18, dst: r, src: 0, offset: 0, imm: Number(v & 0xffffffffn) | 0, imm64: v });
      prologue.push(ins(0, 0, 0, 0, Number(v >> 32n) | 0));
    });
    const calleeStart = prologue.length + length + 1;
    const main = body(prologue.length, length, calleeLength > 0 ? calleeStart : undefined);
    const callee = calleeLength > 0 ? body(calleeStart, calleeLength) : fc.constant([] as Instruction[]);
    return fc.tuple(main, callee).map(([m, f]) => [...prologue, ...m, EXIT, ...(f.length > 0 ? [...f, EXIT] : [])]);
  });

function summarize(o: Outcome): unknown {
  // Budget exhaustion is detected at loop heads by the JIT, so only its code must match, not the pc.
  if (o.code === 'EBUDGET') return { code: o.code };
  return { r0: o.r0, insns: o.insns, code: o.code, pc: o.pc, stack: Buffer.from(o.stack).toString('hex'), mem: Buffer.from(o.mem).toString('hex') };
}

describe('JIT agreement with the interpreter', () => {
  for (const lowering of ['structured', 'dispatch'] as const) {
    it(`should end random programs exactly like the interpreter (${lowering} lowering)`, () => {
      const runner = new DualRunner(undefined, { lowering });
      fc.assert(
        fc.property(programArb, fc.integer({ min: 50, max: 3000 }), (program, budget) => {
          const jit = runner.run('jit', program, new Uint8Array(0), budget);
          const interp = runner.run('interpreter', program, new Uint8Array(0), budget);
          expect(summarize(jit)).toEqual(summarize(interp));
        }),
        { numRuns: 300 },
      );
    });
  }
});
