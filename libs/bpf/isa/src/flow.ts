import type { Instruction } from './instruction.js';
import { CallSource, JumpOp, jumpOpOf } from './jump.js';
import { PseudoSource } from './load-store.js';
import { classOf, InsnClass } from './opcode.js';

const LDDW = 0x18;

/** A jump/call/func target in slots, or undefined when the instruction does not branch. */
export function branchTarget(insns: readonly Instruction[], i: number): number | undefined {
  const insn = insns[i]!;
  const cls = classOf(insn.opcode);
  if (cls === InsnClass.LD && insn.opcode === LDDW && insn.src === PseudoSource.FUNC) return i + 1 + insn.imm;
  if (cls !== InsnClass.JMP && cls !== InsnClass.JMP32) return undefined;
  const op = jumpOpOf(insn.opcode);
  if (op === JumpOp.EXIT) return undefined;
  if (op === JumpOp.CALL) return insn.opcode === 0x85 && insn.src === CallSource.LOCAL ? i + 1 + insn.imm : undefined;
  if (op === JumpOp.JA && cls === InsnClass.JMP32) return i + 1 + insn.imm;
  return i + 1 + insn.offset;
}
