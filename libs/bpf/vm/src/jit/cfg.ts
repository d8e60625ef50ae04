import type { Instruction } from '@bpfleet/isa';
import { VmError } from '../memory/fault.js';

/** A basic block: the half-open instruction range [start, end). */
export interface BasicBlock {
  readonly start: number;
  readonly end: number;
}

/** One BPF function (the main program or a bpf-to-bpf subprogram) and its basic blocks. */
export interface FunctionCfg {
  /** First instruction (the call target). */
  readonly entry: number;
  /** One past the last instruction. */
  readonly end: number;
  readonly blocks: readonly BasicBlock[];
  /** Instruction index -> block index, for block leaders only (else -1). */
  readonly blockAt: ReadonlyMap<number, number>;
}

export const OP_LDDW = 0x18;
export const OP_CALL = 0x85;
export const OP_CALLX = 0x8d;
export const OP_EXIT = 0x95;
const CALL_LOCAL = 1;
const PSEUDO_FUNC = 4;

function isJumpClass(opcode: number): boolean {
  const cls = opcode & 0x07;
  return cls === 0x05 || cls === 0x06;
}

/** The last executable instruction of a block (an lddw's second slot is not one). */
export function lastInsn(insns: readonly Instruction[], block: BasicBlock): number {
  let last = block.start;
  for (let pc = block.start; pc < block.end; pc++) {
    last = pc;
    if (insns[pc].opcode === OP_LDDW) pc++;
  }
  return last;
}

/** LD_ABS / LD_IND: like a call, they may end the program, so they end a block too. */
export function isPacketLoad(opcode: number): boolean {
  return (opcode & 0x07) === 0x00 && opcode !== OP_LDDW && opcode !== 0;
}

/** The absolute target of a jump (`ja`, conditional, `gotol`), or -1 for calls and exit. */
export function jumpTarget(insn: Instruction, pc: number): number {
  const op = insn.opcode;
  if (!isJumpClass(op) || op === OP_CALL || op === OP_CALLX || op === OP_EXIT) return -1;
  return pc + (op === 0x06 ? insn.imm : insn.offset) + 1;
}

/** Function entries: instruction 0, every `call` to a local function and every `lddw rX, func`. */
export function functionEntries(insns: readonly Instruction[]): number[] {
  const entries = new Set<number>([0]);
  for (let pc = 0; pc < insns.length; pc++) {
    const insn = insns[pc];
    if ((insn.opcode === OP_CALL && insn.src === CALL_LOCAL) || (insn.opcode === OP_LDDW && insn.src === PSEUDO_FUNC)) {
      const target = pc + insn.imm + 1;
      if (target < 0 || target >= insns.length) throw new VmError('EJUMP', `call target ${target} is outside the program`, pc);
      entries.add(target);
    }
    if (insn.opcode === OP_LDDW) pc++;
  }
  return [...entries].sort((a, b) => a - b);
}

/**
 * Splits the program into functions (contiguous, as the kernel lays out subprograms) and each
 * function into basic blocks. A block ends after a jump, an exit, a call or a legacy packet load
 * (so the instruction budget is exact wherever the program may stop); a block starts at every jump target. Jumps that leave their
 * function or land on the second slot of an `lddw` are refused.
 */
export function buildCfg(insns: readonly Instruction[]): FunctionCfg[] {
  const entries = functionEntries(insns);
  const n = insns.length;
  const secondSlot = new Uint8Array(n);
  for (let pc = 0; pc < n; pc++) if (insns[pc].opcode === OP_LDDW) secondSlot[++pc] = 1;

  return entries.map((entry, f) => {
    const end = f + 1 < entries.length ? entries[f + 1] : n;
    const leader = new Uint8Array(end - entry + 1);
    leader[0] = 1;
    for (let pc = entry; pc < end; pc++) {
      if (secondSlot[pc]) continue;
      const insn = insns[pc];
      if (isPacketLoad(insn.opcode)) leader[pc + 1 - entry] = 1;
      if (!isJumpClass(insn.opcode)) continue;
      const target = jumpTarget(insn, pc);
      if (target >= 0) {
        if (target < entry || target >= end) throw new VmError('EJUMP', `jump to ${target} leaves the function at ${entry}..${end - 1}`, pc);
        if (secondSlot[target]) throw new VmError('EJUMP', `jump to ${target} lands inside an lddw`, pc);
        leader[target - entry] = 1;
      }
      leader[pc + 1 - entry] = 1;
    }
    const blocks: BasicBlock[] = [];
    const blockAt = new Map<number, number>();
    let start = entry;
    for (let pc = entry + 1; pc < end; pc++) {
      if (leader[pc - entry] && !secondSlot[pc]) {
        blockAt.set(start, blocks.length);
        blocks.push({ start, end: pc });
        start = pc;
      }
    }
    blockAt.set(start, blocks.length);
    blocks.push({ start, end });
    return { entry, end, blocks, blockAt };
  });
}
