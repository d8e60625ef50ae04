import { AluOp, aluOpOf } from './alu.js';
import { InvalidInstructionError } from './errors.js';
import type { Instruction } from './instruction.js';
import { CallSource, JumpOp, jumpOpOf } from './jump.js';
import { AtomicOp, PseudoSource } from './load-store.js';
import { classOf, InsnClass, Mode, modeOf, Source } from './opcode.js';
import { branchTarget } from './flow.js';

const bit = (r: number): number => 1 << r;
const CALLER_SAVED = bit(1) | bit(2) | bit(3) | bit(4) | bit(5);
const ALL = (1 << 11) - 1;

interface Effect {
  readonly reads: number;
  readonly writes: number;
  readonly clobbers: number;
}

/** Registers an instruction reads, writes and leaves undefined (calls clobber r1-r5). */
function effectOf(insn: Instruction): Effect {
  const d = bit(insn.dst);
  const s = bit(insn.src);
  const x = (insn.opcode & Source.X) !== 0;
  switch (classOf(insn.opcode)) {
    case InsnClass.ALU:
    case InsnClass.ALU64: {
      const op = aluOpOf(insn.opcode);
      if (op === AluOp.MOV) return { reads: x ? s : 0, writes: d, clobbers: 0 };
      if (op === AluOp.NEG || op === AluOp.END || !x) return { reads: d, writes: d, clobbers: 0 };
      return { reads: d | s, writes: d, clobbers: 0 };
    }
    case InsnClass.LD: {
      const mode = modeOf(insn.opcode);
      // Legacy packet loads read the context from r6 and behave like a helper call.
      if (mode === Mode.ABS) return { reads: bit(6), writes: bit(0), clobbers: CALLER_SAVED };
      if (mode === Mode.IND) return { reads: bit(6) | s, writes: bit(0), clobbers: CALLER_SAVED };
      return { reads: 0, writes: d, clobbers: 0 };
    }
    case InsnClass.LDX:
      return { reads: s, writes: d, clobbers: 0 };
    case InsnClass.ST:
      return { reads: d, writes: 0, clobbers: 0 };
    case InsnClass.STX: {
      if (modeOf(insn.opcode) !== Mode.ATOMIC) return { reads: d | s, writes: 0, clobbers: 0 };
      if (insn.imm === AtomicOp.CMPXCHG) return { reads: d | s | bit(0), writes: bit(0), clobbers: 0 };
      return { reads: d | s, writes: insn.imm & AtomicOp.FETCH ? s : 0, clobbers: 0 };
    }
    case InsnClass.JMP:
    case InsnClass.JMP32: {
      const op = jumpOpOf(insn.opcode);
      if (op === JumpOp.JA) return { reads: 0, writes: 0, clobbers: 0 };
      if (op === JumpOp.EXIT) return { reads: bit(0), writes: 0, clobbers: 0 };
      if (op === JumpOp.CALL) return { reads: x ? d : 0, writes: bit(0), clobbers: CALLER_SAVED };
      return { reads: x ? d | s : d, writes: 0, clobbers: 0 };
    }
  }
}

/**
 * Refuses a program that reads a register no path has written: a forward must-analysis over the
 * control flow graph (meet = intersection). `entry` lists the registers defined when the program
 * starts (r1 and r10 in the kernel; the conformance suite also passes r2). A local call's target
 * and a callback (`lddw` func reference) start with r1-r5 and r10. Branch conditions are not
 * evaluated, so a read guarded by a correlated branch may be refused where the kernel verifier,
 * which tracks values, accepts it.
 * Assumes a program that passed `validateProgram`.
 */
export function checkRegisterInit(insns: readonly Instruction[], entry: readonly number[]): void {
  const n = insns.length;
  const state = new Int32Array(n).fill(-1);
  const work: number[] = [];
  const secondSlot = new Uint8Array(n);
  insns.forEach((insn, i) => {
    if (insn.opcode === 0x18 && i + 1 < n) secondSlot[i + 1] = 1;
  });
  const flow = (to: number, mask: number): void => {
    if (to < 0 || to >= n) return;
    const merged = state[to] === -1 ? mask : state[to]! & mask;
    if (merged !== state[to]) {
      state[to] = merged;
      work.push(to);
    }
  };
  flow(0, entry.reduce((m, r) => m | bit(r), 0) & ALL);
  // Functions start with their arguments in r1-r5: local call targets, and callbacks whose address
  // a `lddw` func reference takes (a helper calls them).
  for (let i = 0; i < n; i++) {
    const insn = insns[i]!;
    const isFunc = (insn.opcode === 0x85 && insn.src === CallSource.LOCAL) || (insn.opcode === 0x18 && insn.src === PseudoSource.FUNC && !secondSlot[i]);
    if (isFunc) flow(i + 1 + insn.imm, CALLER_SAVED | bit(10));
  }
  while (work.length > 0) {
    const i = work.pop()!;
    const insn = insns[i]!;
    const mask = state[i]!;
    const eff = effectOf(insn);
    const missing = eff.reads & ~mask;
    if (missing) {
      const r = 31 - Math.clz32(missing & -missing);
      throw new InvalidInstructionError(i, 'uninitialized-register', `reads r${r} before any write to it`);
    }
    const out = ((mask & ~eff.clobbers) | eff.writes) & ALL;
    const op = jumpOpOf(insn.opcode);
    if (op === JumpOp.EXIT) continue;
    const target = op === JumpOp.CALL || insn.opcode === 0x18 ? undefined : branchTarget(insns, i);
    const unconditional = op === JumpOp.JA;
    if (target !== undefined) flow(target, out);
    if (!unconditional) flow(i + (insn.opcode === 0x18 ? 2 : 1), out);
  }
}
