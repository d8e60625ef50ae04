import fc from 'fast-check';
import type { Instruction } from '../instruction.js';

/**
 * fast-check generators of valid instructions, for property tests here and in other libraries.
 * A generated "unit" is one instruction, or the two slots of a `lddw` (first slot with `imm64`,
 * as `decodeInstructions` returns it).
 */
const dstW = fc.integer({ min: 0, max: 9 }); // written registers: r10 is read-only
const reg = fc.integer({ min: 0, max: 10 });
const imm = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const off = fc.integer({ min: -0x8000, max: 0x7fff });
const cls = fc.constantFrom(0x04, 0x07);
const sizes = fc.constantFrom(0x00, 0x08, 0x10, 0x18);

const i = (opcode: number, dst: number, src: number, offset: number, imm: number): Instruction[] => [{ opcode, dst, src, offset, imm }];

const aluArb = fc.oneof(
  // Plain ops (add..arsh without neg/end), immediate or register
  fc.tuple(cls, fc.constantFrom(0x00, 0x10, 0x20, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0), dstW, imm).map(([c, op, d, k]) => i(op | c, d, 0, 0, k)),
  fc.tuple(cls, fc.constantFrom(0x00, 0x10, 0x20, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0), dstW, reg).map(([c, op, d, s]) => i(op | 0x08 | c, d, s, 0, 0)),
  // div/mod, unsigned or signed (offset 1)
  fc.tuple(cls, fc.constantFrom(0x30, 0x90), fc.boolean(), dstW, reg, imm, fc.constantFrom(0, 1)).map(([c, op, x, d, s, k, o]) =>
    x ? i(op | 0x08 | c, d, s, o, 0) : i(op | c, d, 0, o, k),
  ),
  // movsx
  fc.tuple(dstW, reg, fc.constantFrom(8, 16, 32)).map(([d, s, o]) => i(0xbf, d, s, o, 0)),
  fc.tuple(dstW, reg, fc.constantFrom(8, 16)).map(([d, s, o]) => i(0xbc, d, s, o, 0)),
  // neg, le/be, bswap
  fc.tuple(cls, dstW).map(([c, d]) => i(0x80 | c, d, 0, 0, 0)),
  fc.tuple(fc.constantFrom(0xd4, 0xdc, 0xd7), dstW, fc.constantFrom(16, 32, 64)).map(([op, d, w]) => i(op, d, 0, 0, w)),
);

const jumpArb = fc.oneof(
  fc.tuple(fc.constantFrom(0x05, 0x06), fc.constantFrom(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0), fc.boolean(), reg, reg, imm, off).map(
    ([c, op, x, d, s, k, o]) => (x ? i(op | 0x08 | c, d, s, o, 0) : i(op | c, d, 0, o, k)),
  ),
  off.map((o) => i(0x05, 0, 0, o, 0)),
  imm.map((k) => i(0x06, 0, 0, 0, k)),
  fc.tuple(fc.constantFrom(0, 1, 2), imm).map(([s, k]) => i(0x85, 0, s, 0, k)),
  reg.map((d) => i(0x8d, d, 0, 0, 0)),
  fc.constant(i(0x95, 0, 0, 0, 0)),
);

const memArb = fc.oneof(
  fc.tuple(sizes, dstW, reg, off).map(([sz, d, s, o]) => i(0x61 | sz, d, s, o, 0)),
  fc.tuple(fc.constantFrom(0x00, 0x08, 0x10), dstW, reg, off).map(([sz, d, s, o]) => i(0x81 | sz, d, s, o, 0)),
  fc.tuple(sizes, reg, off, imm).map(([sz, d, o, k]) => i(0x62 | sz, d, 0, o, k)),
  fc.tuple(sizes, reg, reg, off).map(([sz, d, s, o]) => i(0x63 | sz, d, s, o, 0)),
  fc.tuple(fc.constantFrom(0xc3, 0xdb), reg, dstW, off, fc.constantFrom(0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1)).map(([op, d, s, o, k]) => i(op, d, s, o, k)),
  fc.tuple(fc.constantFrom(0x20, 0x28, 0x30), imm).map(([op, k]) => i(op, 0, 0, 0, k)),
  fc.tuple(fc.constantFrom(0x40, 0x48, 0x50), reg, imm).map(([op, s, k]) => i(op, 0, s, 0, k)),
);

const lddwArb = fc.tuple(dstW, fc.integer({ min: 0, max: 6 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([d, s, v]): Instruction[] => [
  { opcode: 0x18, dst: d, src: s, offset: 0, imm: Number(BigInt.asIntN(32, v)), imm64: v },
  { opcode: 0, dst: 0, src: 0, offset: 0, imm: Number(BigInt.asIntN(32, v >> 32n)) },
]);

/** One valid instruction (two slots for `lddw`). */
export const validUnit: fc.Arbitrary<Instruction[]> = fc.oneof(aluArb, jumpArb, memArb, lddwArb);

/** A sequence of valid instructions (jump targets are not checked: for codec and syntax tests). */
export const validInstructions = (maxUnits = 16): fc.Arbitrary<Instruction[]> =>
  fc.array(validUnit, { minLength: 1, maxLength: maxUnits }).map((units) => units.flat());
