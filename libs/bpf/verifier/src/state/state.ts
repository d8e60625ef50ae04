import { MAX_BPF_STACK, MAX_BPF_REG, BPF_REG_FP } from '../opcodes.js';
import { type Reg, IdMap, RegType, regCopy, regNotInit, regPointer, regSafe } from './reg.js';

/** What one byte of a stack frame holds (`enum bpf_stack_slot_type`). */
export const enum SlotType {
  INVALID = 0,
  SPILL = 1,
  MISC = 2,
  ZERO = 3,
}

export const SLOTS = MAX_BPF_STACK / 8;

/** One function frame (`struct bpf_func_state`). */
export interface Frame {
  regs: Reg[];
  /** Byte i describes fp-(i+1): index = -off - 1. */
  stackType: Uint8Array;
  /** `stackType` is shared with another state: copy it before writing (ownStack). */
  stackShared: boolean;
  /** Spilled register per 8-byte slot k (covering fp-8(k+1) .. fp-8k-1). */
  spilled: (Reg | null)[];
  /** Deepest stack byte touched so far (the frame's stack size). */
  allocated: number;
  frameno: number;
  subprog: number;
  /** Index of the call instruction that created this frame (-1 for the main frame). */
  callsite: number;
  /** For bpf_loop callbacks: the callback frame returns to the helper, not to the call site. */
  inCallback: boolean;
}

export interface RefEntry {
  id: number;
  insn: number;
}

export interface LockState {
  /** Register id of the map value that holds the lock (0 when no lock is held). */
  id: number;
  map: number;
}

/** A whole verifier state (`struct bpf_verifier_state`). */
export interface VState {
  frames: Frame[];
  refs: RefEntry[];
  lock: LockState;
  /** Index of the instruction to execute next. */
  insn: number;
  /** Nesting of speculative/callback iterations; used to bound bpf_loop callback verification. */
  callbackDepth: number;
}

export function newFrame(frameno: number, subprog: number, callsite: number): Frame {
  const regs: Reg[] = [];
  for (let i = 0; i < MAX_BPF_REG; i++) regs.push(regNotInit());
  const fp = regPointer(RegType.PTR_TO_STACK);
  fp.frameno = frameno;
  regs[BPF_REG_FP] = fp;
  return {
    regs,
    stackType: new Uint8Array(MAX_BPF_STACK),
    stackShared: false,
    spilled: new Array<Reg | null>(SLOTS).fill(null),
    allocated: 0,
    frameno,
    subprog,
    callsite,
    inCallback: false,
  };
}

/** Hands out `f`'s slot types for sharing: from now on both sides copy before writing. */
function shareStack(f: Frame): Uint8Array {
  f.stackShared = true;
  return f.stackType;
}

/** Makes `f`'s slot types its own before a write (copy-on-write). */
export function ownStack(f: Frame): Uint8Array {
  if (f.stackShared) {
    f.stackType = f.stackType.slice();
    f.stackShared = false;
  }
  return f.stackType;
}

export function copyFrame(f: Frame): Frame {
  return {
    regs: f.regs.map(regCopy),
    stackType: shareStack(f),
    stackShared: true,
    // Spilled registers are never changed in place (see updateRegs), so states share them.
    spilled: f.spilled.slice(),
    allocated: f.allocated,
    frameno: f.frameno,
    subprog: f.subprog,
    callsite: f.callsite,
    inCallback: f.inCallback,
  };
}

export function copyState(s: VState): VState {
  return {
    frames: s.frames.map(copyFrame),
    refs: s.refs.map((r) => ({ ...r })),
    lock: { ...s.lock },
    insn: s.insn,
    callbackDepth: s.callbackDepth,
  };
}

export function curFrame(s: VState): Frame {
  return s.frames[s.frames.length - 1]!;
}

function stackSafe(old: Frame, cur: Frame, ids: IdMap, exact: boolean, precise: boolean): boolean {
  for (let i = 0; i < old.allocated && i < MAX_BPF_STACK; i++) {
    const ot = old.stackType[i]!;
    const ct = cur.stackType[i]!;
    if (ot === SlotType.INVALID) {
      if (exact && ct !== SlotType.INVALID) return false;
      continue;
    }
    if (ot === SlotType.MISC) {
      // Anything initialised is at least as good as "some bytes".
      if (ct === SlotType.INVALID) return false;
      if (exact && ct !== SlotType.MISC) return false;
      continue;
    }
    if (ot === SlotType.ZERO) {
      if (ct === SlotType.ZERO) continue;
      const slot = i >> 3;
      const sp = cur.spilled[slot];
      if (ct === SlotType.SPILL && sp && sp.type === RegType.SCALAR && sp.num.umin === 0n && sp.num.umax === 0n && !exact) continue;
      return false;
    }
    // SPILL: compare the spilled registers once per slot.
    if (ct !== SlotType.SPILL) return false;
    if ((i & 7) !== 0 && old.stackType[i - 1] === SlotType.SPILL) continue;
    const o = old.spilled[i >> 3];
    const c = cur.spilled[i >> 3];
    if (!o || !c) return false;
    // States share unchanged spills (copy-on-write): the same object is as safe as itself, unless its
    // ids still have to be matched against the rest of the state.
    if (o === c && (o.type === RegType.SCALAR || (o.id === 0 && o.refObjId === 0))) continue;
    if (!regSafe(o, c, ids, exact, precise)) return false;
  }
  return true;
}

function frameSafe(old: Frame, cur: Frame, ids: IdMap, exact: boolean, precise: boolean): boolean {
  if (old.callsite !== cur.callsite) return false;
  for (let r = 0; r < MAX_BPF_REG; r++) if (!regSafe(old.regs[r]!, cur.regs[r]!, ids, exact, precise)) return false;
  return stackSafe(old, cur, ids, exact, precise);
}

/** states_equal: every path from `old` was verified safe, so `cur` is safe if it is no less specific. */
export function statesEqual(old: VState, cur: VState, exact: boolean, precise = true): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  if (old.lock.id !== 0 || cur.lock.id !== 0) {
    if ((old.lock.id === 0) !== (cur.lock.id === 0) || old.lock.map !== cur.lock.map) return false;
  }
  if (old.refs.length !== cur.refs.length) return false;
  if (old.callbackDepth !== cur.callbackDepth) return false;
  const ids = new IdMap();
  for (let i = 0; i < old.refs.length; i++) if (!ids.check(old.refs[i]!.id, cur.refs[i]!.id)) return false;
  if (!ids.check(old.lock.id, cur.lock.id)) return false;
  for (let f = 0; f < old.frames.length; f++) if (!frameSafe(old.frames[f]!, cur.frames[f]!, ids, exact, precise)) return false;
  return true;
}

const DEAD: Reg = Object.freeze(regNotInit()) as Reg;

/**
 * A checkpoint copy of `s`: registers outside `liveOf(frame)` become NOT_INIT (so pruning ignores
 * dead registers) and only the touched part of each stack is kept. Checkpoints are never resumed or
 * mutated, which lets them share the dead-register object.
 */
export function maskDeadRegs(s: VState, liveOf: (frame: number) => number): VState {
  const frames = s.frames.map((f, fi) => {
    const live = liveOf(fi);
    const slots = Math.ceil(f.allocated / 8);
    return {
      regs: f.regs.map((r, i) => (i < 10 && !(live & (1 << i)) ? DEAD : regCopy(r))),
      stackType: shareStack(f),
      stackShared: true,
      spilled: f.spilled.slice(0, slots),
      allocated: f.allocated,
      frameno: f.frameno,
      subprog: f.subprog,
      callsite: f.callsite,
      inCallback: f.inCallback,
    };
  });
  return { frames, refs: s.refs.map((r) => ({ ...r })), lock: { ...s.lock }, insn: s.insn, callbackDepth: s.callbackDepth };
}
