import type { Instruction } from '@bpfleet/isa';
import {
  BPF_CALL_OP,
  isCondJump,
  isExit,
  isJa,
  isLdImm64,
  isPseudoCall,
  jumpTarget,
} from './insn.js';
import { BPF_JMP, BPF_JMP32, BPF_PSEUDO_FUNC, classOf, opOf } from '../opcodes.js';
import { VerifyFail } from './errors.js';

export interface Subprog {
  start: number;
  /** One past the last instruction. */
  end: number;
}

/**
 * check_subprogs: subprogram boundaries from bpf-to-bpf calls, jumps stay inside their subprogram, and
 * every subprogram ends in exit or an unconditional jump.
 */
export function findSubprogs(insns: readonly Instruction[]): Subprog[] {
  const n = insns.length;
  const starts = new Set<number>([0]);
  for (let i = 0; i < n; i++) {
    const insn = insns[i]!;
    const isFuncRef = isLdImm64(insn) && insn.src === BPF_PSEUDO_FUNC;
    if (isPseudoCall(insn) || isFuncRef) {
      const target = i + insn.imm + 1;
      if (target < 0 || target >= n) throw new VerifyFail(i, 'call to invalid destination');
      starts.add(target);
    }
    if (isLdImm64(insn)) i++;
  }
  const sorted = [...starts].sort((a, b) => a - b);
  const subprogs = sorted.map((start, k) => ({ start, end: k + 1 < sorted.length ? sorted[k + 1]! : n }));
  for (const sp of subprogs) {
    for (let i = sp.start; i < sp.end; i++) {
      const insn = insns[i]!;
      const cls = classOf(insn.opcode);
      if ((cls === BPF_JMP || cls === BPF_JMP32) && opOf(insn.opcode) !== BPF_CALL_OP && !isExit(insn)) {
        const target = jumpTarget(i, insn);
        if (target < sp.start || target >= sp.end) throw new VerifyFail(i, `jump out of range from insn ${i} to ${target}`);
      }
      if (i === sp.end - 1 && !isExit(insn) && !isJa(insn)) throw new VerifyFail(i, 'last insn is not an exit or jmp');
      if (isLdImm64(insn)) i++;
    }
  }
  return subprogs;
}

const enum Mark {
  NONE = 0,
  DISCOVERED = 1,
  EXPLORED = 2,
}

/**
 * check_cfg: a depth-first walk from insn 0 (following calls into subprograms) that finds back-edges,
 * unreachable instructions and jumps into the second slot of lddw.
 */
export interface CfgResult {
  /** Instructions where states are compared and saved (jump targets, after branches, calls). */
  readonly prune: Uint8Array;
  /** Targets of back-edges (loop heads): a checkpoint is always taken there. */
  readonly backEdgeTargets: Uint8Array;
}

/**
 * check_cfg. Prune points follow the kernel: branch targets always; for a conditional jump the
 * instruction after it before 6.3 and the jump itself since ("bpf: reduce prune points").
 */
export function checkCfg(insns: readonly Instruction[], loopsAllowed: boolean, pruneAtJump = true): CfgResult {
  const n = insns.length;
  const state = new Uint8Array(n);
  const prune = new Uint8Array(n);
  const backEdge = new Uint8Array(n);
  const stack: number[] = [0];
  const nextEdge = new Int32Array(n);
  state[0] = Mark.DISCOVERED;
  const successors = (t: number): number[] => {
    const insn = insns[t]!;
    const cls = classOf(insn.opcode);
    if (isLdImm64(insn) && insn.src === BPF_PSEUDO_FUNC) return [t + 2, t + insn.imm + 1];
    if (cls !== BPF_JMP && cls !== BPF_JMP32) return [t + (isLdImm64(insn) ? 2 : 1)];
    if (isExit(insn)) return [];
    if (opOf(insn.opcode) === BPF_CALL_OP) {
      if (isPseudoCall(insn)) return [t + 1, t + insn.imm + 1];
      return [t + 1];
    }
    if (isJa(insn)) return [jumpTarget(t, insn)];
    return [t + 1, jumpTarget(t, insn)];
  };
  while (stack.length > 0) {
    const t = stack[stack.length - 1]!;
    const succ = successors(t);
    const k = nextEdge[t]!;
    if (k >= succ.length) {
      state[t] = Mark.EXPLORED;
      stack.pop();
      continue;
    }
    nextEdge[t] = k + 1;
    const w = succ[k]!;
    if (w < 0 || w >= n) throw new VerifyFail(t, `jump out of range from insn ${t} to ${w}`);
    const insn = insns[t]!;
    // Branch edges (the jump target) are prune points; a conditional jump's fall-through edge is not.
    const branchEdge = isJa(insn) ? classOf(insn.opcode) === BPF_JMP : isCondJump(insn) && w === jumpTarget(t, insn) && k === 1;
    if (branchEdge) prune[w] = 1;
    if (isCondJump(insn)) prune[pruneAtJump ? t : t + 1] = 1;
    if (isPseudoCall(insn)) {
      prune[t + 1] = 1;
      prune[t] = 1;
    }
    if (state[w] === Mark.NONE) {
      state[w] = Mark.DISCOVERED;
      stack.push(w);
    } else if (state[w] === Mark.DISCOVERED) {
      if (!loopsAllowed) throw new VerifyFail(t, `back-edge from insn ${t} to ${w}`);
      prune[w] = 1;
      backEdge[w] = 1;
    }
  }
  for (let i = 0; i < n; i++) {
    if (state[i] !== Mark.EXPLORED) throw new VerifyFail(i, `unreachable insn ${i}`);
    if (isLdImm64(insns[i]!)) {
      if (state[i + 1] !== Mark.NONE) throw new VerifyFail(i, `jump into the middle of ldimm64 insn ${i}`);
      i++;
    }
  }
  // Subprogram entries are checkpoints too (different callers meet there).
  for (let i = 0; i < n; i++) {
    const insn = insns[i]!;
    if (isPseudoCall(insn)) prune[i + insn.imm + 1] = 1;
  }
  return { prune, backEdgeTargets: backEdge };
}
