import { classOf, InsnClass, isAluClass, OP_MASK } from './opcode.js';

/**
 * Arithmetic operations (RFC 9669 §4.1), the high nibble of an ALU/ALU64 opcode:
 *
 *   +--------+--------+-------------+
 *   | op (4) | src(1) | ALU / ALU64 |
 *   +--------+--------+-------------+
 *
 * cpu v4 reuses fields instead of opcodes: DIV/MOD with offset 1 are signed (sdiv/smod), MOV with
 * offset 8/16/32 sign-extends (movsx), and END in the ALU64 class is an unconditional byte swap.
 */
export enum AluOp {
  ADD = 0x00,
  SUB = 0x10,
  MUL = 0x20,
  DIV = 0x30,
  OR = 0x40,
  AND = 0x50,
  LSH = 0x60,
  RSH = 0x70,
  NEG = 0x80,
  MOD = 0x90,
  XOR = 0xa0,
  MOV = 0xb0,
  ARSH = 0xc0,
  /** Byte order conversion: `le`/`be` in ALU (source bit picks the order), `bswap` in ALU64. */
  END = 0xd0,
  Invalid = 0xff,
}

/** Byte order of `END` in the ALU class: the source bit. */
export enum Endianness {
  LE = 0x00,
  BE = 0x08,
}

/** The operation of an ALU/ALU64 opcode, or `AluOp.Invalid` for other classes and opcodes 0xe0/0xf0. */
export function aluOpOf(opcode: number): AluOp {
  if (!isAluClass(classOf(opcode))) return AluOp.Invalid;
  const op = opcode & OP_MASK;
  return op > AluOp.END ? AluOp.Invalid : (op as AluOp);
}

/** Offset selecting signed division/modulo (cpu v4). */
export const SIGNED_DIV_OFFSET = 1;
/** Offsets selecting a sign-extending move (cpu v4); 32 only in ALU64. */
export const MOVSX_OFFSETS: readonly number[] = [8, 16, 32];
/** Widths of byte swaps (imm of END). */
export const SWAP_WIDTHS: readonly number[] = [16, 32, 64];

export function aluOpcode(cls: InsnClass.ALU | InsnClass.ALU64, op: AluOp, source: number): number {
  return (op | source | cls) & 0xff;
}
