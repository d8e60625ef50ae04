import type { Instruction } from '@bpfleet/isa';
import { BPF_JMP, BPF_JMP32, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, classOf, opOf } from '../opcodes.js';

export const BPF_JA_OP = 0x00;
export const BPF_CALL_OP = 0x80;
export const BPF_EXIT_OP = 0x90;

export const isLdImm64 = (insn: Instruction): boolean => insn.opcode === 0x18;
export const isExit = (insn: Instruction): boolean => insn.opcode === (BPF_JMP | BPF_EXIT_OP);
/** `ja` (JMP) or `gotol` (JMP32 ja with a 32-bit offset in imm). */
export const isJa = (insn: Instruction): boolean => insn.opcode === (BPF_JMP | BPF_JA_OP) || insn.opcode === (BPF_JMP32 | BPF_JA_OP);
export const isCall = (insn: Instruction): boolean => insn.opcode === (BPF_JMP | BPF_CALL_OP);
export const isPseudoCall = (insn: Instruction): boolean => isCall(insn) && insn.src === BPF_PSEUDO_CALL;
export const isHelperCall = (insn: Instruction): boolean => isCall(insn) && insn.src === 0;
export const isKfuncCall = (insn: Instruction): boolean => isCall(insn) && insn.src === BPF_PSEUDO_KFUNC_CALL;

export function isCondJump(insn: Instruction): boolean {
  const cls = classOf(insn.opcode);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return false;
  const op = opOf(insn.opcode);
  return op !== BPF_JA_OP && op !== BPF_CALL_OP && op !== BPF_EXIT_OP;
}

/** Target of a jump at `i` (gotol takes its offset from imm). */
export function jumpTarget(i: number, insn: Instruction): number {
  if (insn.opcode === (BPF_JMP32 | BPF_JA_OP)) return i + insn.imm + 1;
  return i + insn.offset + 1;
}
