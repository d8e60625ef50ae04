import type { Instruction } from '@bpfleet/isa';
import { BPF_JMP32, BPF_X, classOf, opOf, srcOf } from '../opcodes.js';
import { scalarAssign, scalarConst, scalarCopy } from '../scalar/bounds.js';
import { JmpOp, isBranchTaken, negateJmp, refineCond } from '../scalar/branch.js';
import { tnumIsConst } from '../scalar/tnum.js';
import { type Reg, PTR_MAYBE_NULL, RegType, immReg, isPointer, regScalarUnknown } from '../state/reg.js';
import { type VState, copyState } from '../state/state.js';
import { readReg } from './alu-check.js';
import { type Env, frameOf, updateRegs } from './env.js';
import { VerifyFail } from './errors.js';
import { jumpTarget } from './insn.js';

function fail(env: Env, message: string): never {
  throw new VerifyFail(env.insnIdx, message);
}

/** Pointer types that are never NULL (reg_not_null), so comparing them with 0 has a known outcome. */
function neverNull(r: Reg): boolean {
  if (r.flags & PTR_MAYBE_NULL) return false;
  switch (r.type) {
    case RegType.PTR_TO_STACK:
    case RegType.PTR_TO_CTX:
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META:
    case RegType.PTR_TO_MAP_VALUE:
    case RegType.PTR_TO_MAP_KEY:
    case RegType.CONST_PTR_TO_MAP:
    case RegType.PTR_TO_MEM:
    case RegType.PTR_TO_FUNC:
      return true;
    default:
      return false;
  }
}

/** mark_ptr_or_null_regs: resolve every register sharing `id` after `ptr == NULL` / `ptr != NULL`. */
function markPtrOrNull(state: VState, id: number, isNull: boolean, privileged: boolean): void {
  let refToRelease = 0;
  updateRegs(state, (reg) => reg.id === id && (reg.flags & PTR_MAYBE_NULL) !== 0, (reg) => {
    if (isNull) {
      if (reg.refObjId) refToRelease = reg.refObjId;
      const z = regScalarUnknown();
      z.num = scalarConst(0n);
      z.written = reg.written;
      Object.assign(reg, z);
    } else {
      reg.flags &= ~PTR_MAYBE_NULL;
      if (reg.type !== RegType.PTR_TO_MAP_VALUE && !reg.refObjId) reg.id = 0;
    }
  });
  if (refToRelease) {
    const i = state.refs.findIndex((r) => r.id === refToRelease);
    if (i >= 0) state.refs.splice(i, 1);
  }
  void privileged;
}

/** find_good_pkt_pointers: after `pkt + off <= pkt_end`, `off` bytes are readable through pointers with this id. */
function markGoodPacket(state: VState, ptr: Reg, rightOpen: boolean): void {
  if (ptr.off < 0 || (ptr.off === 0 && rightOpen)) return;
  const MAX_PACKET_OFF = 0xffff;
  if (ptr.num.umax > BigInt(MAX_PACKET_OFF) || ptr.num.umax + BigInt(ptr.off) > BigInt(MAX_PACKET_OFF)) return;
  const range = ptr.off + (rightOpen ? 1 : 0);
  const { type, id } = ptr;
  updateRegs(state, (reg) => reg.type === type && reg.id === id, (reg) => (reg.range = Math.max(reg.range, range)));
}

/**
 * try_match_pkt_pointers: comparisons of a packet pointer with pkt_end (or meta with data).
 * Returns true when the comparison was one of those (both arms handled).
 */
function matchPacketPointers(op: number, dst: Reg, src: Reg, dstno: number, srcno: number, fall: VState, taken: VState): boolean {
  const isData = (r: Reg, end: Reg): boolean =>
    (r.type === RegType.PTR_TO_PACKET && end.type === RegType.PTR_TO_PACKET_END) ||
    (r.type === RegType.PTR_TO_PACKET_META && end.type === RegType.PTR_TO_PACKET);
  const regIn = (s: VState, r: number): Reg => s.frames[s.frames.length - 1]!.regs[r]!;
  const dstIsData = isData(dst, src);
  const srcIsData = isData(src, dst);
  if (!dstIsData && !srcIsData) return false;
  switch (op) {
    case JmpOp.JGT:
      if (dstIsData) markGoodPacket(fall, regIn(fall, dstno), false);
      else markGoodPacket(taken, regIn(taken, srcno), true);
      return true;
    case JmpOp.JLT:
      if (dstIsData) markGoodPacket(taken, regIn(taken, dstno), true);
      else markGoodPacket(fall, regIn(fall, srcno), false);
      return true;
    case JmpOp.JGE:
      if (dstIsData) markGoodPacket(fall, regIn(fall, dstno), true);
      else markGoodPacket(taken, regIn(taken, srcno), false);
      return true;
    case JmpOp.JLE:
      if (dstIsData) markGoodPacket(taken, regIn(taken, dstno), false);
      else markGoodPacket(fall, regIn(fall, srcno), true);
      return true;
    default:
      return false;
  }
}

/** sync_linked_regs: scalars copied from one another (same id) learn the same range. */
function syncLinked(state: VState, reg: Reg): void {
  if (reg.type !== RegType.SCALAR || reg.id === 0) return;
  updateRegs(state, (r) => r !== reg && r.type === RegType.SCALAR && r.id === reg.id, (r) => scalarAssign(r.num, reg.num));
}

export interface BranchOutcome {
  /** State continuing at the fall-through (null when that arm is impossible). */
  fall: VState | null;
  /** State continuing at the jump target (null when impossible). */
  taken: VState | null;
}

/** check_cond_jmp_op: validates the encoding, decides or splits the branch, refines both arms. */
export function checkCondJump(env: Env, insn: Instruction): BranchOutcome {
  const op = opOf(insn.opcode);
  const is32 = classOf(insn.opcode) === BPF_JMP32;
  const isX = srcOf(insn.opcode) === BPF_X;
  if (op > JmpOp.JSLE) fail(env, `invalid BPF_JMP/JMP32 opcode ${op.toString(16)}`);
  if (is32 && !env.profile.jmp32) fail(env, `unknown opcode ${insn.opcode.toString(16).padStart(2, '0')}`);
  if (isX ? insn.imm !== 0 : insn.src !== 0) fail(env, 'BPF_JMP/JMP32 uses reserved fields');
  const dst = readReg(env, insn.dst);
  let src: Reg;
  if (isX) {
    src = readReg(env, insn.src);
    if (isPointer(src) && !env.privileged) fail(env, `R${insn.src} pointer comparison prohibited`);
  } else {
    src = immReg(is32 ? BigInt(insn.imm >>> 0) : BigInt(insn.imm));
  }
  const target = jumpTarget(env.insnIdx, insn);
  const srcIsZero = src.type === RegType.SCALAR && tnumIsConst(src.num.varOff) && src.num.varOff.value === 0n;

  // Null check of a maybe-null pointer.
  if (!is32 && srcIsZero && (op === JmpOp.JEQ || op === JmpOp.JNE) && dst.flags & PTR_MAYBE_NULL) {
    const fall = env.state;
    const taken = copyState(env.state);
    taken.insn = target;
    markPtrOrNull(taken, dst.id, op === JmpOp.JEQ, env.privileged);
    markPtrOrNull(fall, dst.id, op === JmpOp.JNE, env.privileged);
    return { fall, taken };
  }

  // Outcome known in advance?
  let decided: -1 | 0 | 1 = -1;
  if (dst.type === RegType.SCALAR && src.type === RegType.SCALAR) {
    decided = isBranchTaken(op, dst.num, src.num, is32);
    if (decided !== -1) env.markPrecise();
  } else if (isPointer(dst) && srcIsZero && neverNull(dst) && !is32) {
    if (op === JmpOp.JEQ) decided = 0;
    else if (op === JmpOp.JNE) decided = 1;
  }
  if (decided === 1) {
    env.state.insn = target;
    return { fall: null, taken: env.state };
  }
  if (decided === 0) return { fall: env.state, taken: null };

  const fall = env.state;
  const taken = copyState(env.state);
  taken.insn = target;
  let fallAlive = true;
  let takenAlive = true;
  if (isPointer(dst) || isPointer(src)) {
    const matched = isX && !is32 && matchPacketPointers(op, dst, src, insn.dst, insn.src, fall, taken);
    if (!matched && isPointer(dst) && !env.privileged) fail(env, `R${insn.dst} pointer comparison prohibited`);
  } else if (!(isX && insn.src === insn.dst)) {
    const refineArm = (s: VState, cond: number): boolean => {
      const regs = s.frames[s.frames.length - 1]!.regs;
      const d = regs[insn.dst]!;
      const sr = isX ? regs[insn.src]! : src;
      const dn = scalarCopy(d.num);
      const sn = scalarCopy(sr.num);
      if (!refineCond(cond, dn, sn, is32)) return false;
      d.num = dn;
      syncLinked(s, d);
      if (isX) {
        sr.num = sn;
        syncLinked(s, sr);
      }
      return true;
    };
    takenAlive = refineArm(taken, op);
    fallAlive = refineArm(fall, negateJmp(op));
    if (!takenAlive || !fallAlive) env.markPrecise();
  }
  void frameOf;
  return { fall: fallAlive ? fall : null, taken: takenAlive ? taken : null };
}
