import { classOf, isJumpClass, OP_MASK } from './opcode.js';

/**
 * Jump operations (RFC 9669 §4.3), the high nibble of a JMP/JMP32 opcode:
 *
 *   +--------+--------+-------------+
 *   | op (4) | src(1) | JMP / JMP32 |
 *   +--------+--------+-------------+
 *
 * Targets are relative to the next instruction, in slots. JMP32|JA (`gotol`) takes its target from
 * imm (32 bits) instead of offset; CALL and EXIT exist only in the JMP class.
 */
export enum JumpOp {
  JA = 0x00,
  JEQ = 0x10,
  JGT = 0x20,
  JGE = 0x30,
  JSET = 0x40,
  JNE = 0x50,
  JSGT = 0x60,
  JSGE = 0x70,
  CALL = 0x80,
  EXIT = 0x90,
  JLT = 0xa0,
  JLE = 0xb0,
  JSLT = 0xc0,
  JSLE = 0xd0,
  Invalid = 0xff,
}

/** The operation of a JMP/JMP32 opcode, or `JumpOp.Invalid` for other classes and 0xe0/0xf0. */
export function jumpOpOf(opcode: number): JumpOp {
  if (!isJumpClass(classOf(opcode))) return JumpOp.Invalid;
  const op = opcode & OP_MASK;
  return op > JumpOp.JSLE ? JumpOp.Invalid : (op as JumpOp);
}

/** True for the conditional jumps (everything but JA, CALL and EXIT). */
export function isConditional(op: JumpOp): boolean {
  return op !== JumpOp.JA && op !== JumpOp.CALL && op !== JumpOp.EXIT && op !== JumpOp.Invalid;
}

/** `src` of a CALL: what `imm` names (RFC 9669 §4.3.1, kernel BPF_PSEUDO_*). */
export enum CallSource {
  /** Helper function by static id. */
  HELPER = 0,
  /** bpf-to-bpf call: imm is the target relative to the next instruction. */
  LOCAL = 1,
  /** Kernel function (kfunc) by BTF id. */
  KFUNC = 2,
}

export function jumpOpcode(cls: number, op: JumpOp, source: number): number {
  return (op | source | cls) & 0xff;
}

/** Opcodes with a fixed meaning. */
export const CALL_OPCODE = 0x85;
export const CALLX_OPCODE = 0x8d;
export const EXIT_OPCODE = 0x95;
export const JA_OPCODE = 0x05;
/** `gotol`: JMP32 | JA, target in imm (cpu v4). */
export const GOTOL_OPCODE = 0x06;
