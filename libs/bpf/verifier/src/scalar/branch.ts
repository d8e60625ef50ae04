import { JumpOp as JmpOp } from '@bpfleet/isa';
import { type Scalar, isEmpty, syncBounds } from './bounds.js';
import { tnumAnd, tnumConst, tnumIntersect, tnumIsConst, tnumOr, tnumSubreg, tnumWithSubreg, U64_MASK } from './tnum.js';

// Jump operation codes come from the ISA library (the `op` nibble of BPF_JMP / BPF_JMP32).
export { JmpOp };

/** A pseudo-op for the fall-through arm of JSET: `(a & b) == 0`. */
const JSET_NOT = 0x1000;

/** The condition that holds on the fall-through arm. */
export function negateJmp(op: number): number {
  switch (op) {
    case JmpOp.JEQ: return JmpOp.JNE;
    case JmpOp.JNE: return JmpOp.JEQ;
    case JmpOp.JGT: return JmpOp.JLE;
    case JmpOp.JLE: return JmpOp.JGT;
    case JmpOp.JGE: return JmpOp.JLT;
    case JmpOp.JLT: return JmpOp.JGE;
    case JmpOp.JSGT: return JmpOp.JSLE;
    case JmpOp.JSLE: return JmpOp.JSGT;
    case JmpOp.JSGE: return JmpOp.JSLT;
    case JmpOp.JSLT: return JmpOp.JSGE;
    case JmpOp.JSET: return JSET_NOT;
    case JSET_NOT: return JmpOp.JSET;
    default: return op;
  }
}

/** `a OP b` becomes `b SWAPPED(OP) a`. */
function swapJmp(op: number): number {
  switch (op) {
    case JmpOp.JGT: return JmpOp.JLT;
    case JmpOp.JLT: return JmpOp.JGT;
    case JmpOp.JGE: return JmpOp.JLE;
    case JmpOp.JLE: return JmpOp.JGE;
    case JmpOp.JSGT: return JmpOp.JSLT;
    case JmpOp.JSLT: return JmpOp.JSGT;
    case JmpOp.JSGE: return JmpOp.JSLE;
    case JmpOp.JSLE: return JmpOp.JSGE;
    default: return op;
  }
}

interface View {
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
}

function view(s: Scalar, is32: boolean): View {
  return is32
    ? { umin: s.u32min, umax: s.u32max, smin: s.s32min, smax: s.s32max }
    : { umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax };
}

function store(s: Scalar, v: View, is32: boolean): void {
  if (is32) {
    s.u32min = v.umin;
    s.u32max = v.umax;
    s.s32min = v.smin;
    s.s32max = v.smax;
  } else {
    s.umin = v.umin;
    s.umax = v.umax;
    s.smin = v.smin;
    s.smax = v.smax;
  }
}

function tn(s: Scalar, is32: boolean) {
  return is32 ? tnumSubreg(s.varOff) : s.varOff;
}

/**
 * is_branch_taken: 1 when `a OP b` always holds, 0 when it never does, -1 when unknown.
 */
export function isBranchTaken(op: number, a: Scalar, b: Scalar, is32: boolean): -1 | 0 | 1 {
  const x = view(a, is32);
  const y = view(b, is32);
  const ta = tn(a, is32);
  const tb = tn(b, is32);
  switch (op) {
    case JmpOp.JEQ:
    case JmpOp.JNE: {
      let r: -1 | 0 | 1 = -1;
      if (tnumIsConst(ta) && tnumIsConst(tb)) r = ta.value === tb.value ? 1 : 0;
      else if (x.umin > y.umax || x.umax < y.umin || x.smin > y.smax || x.smax < y.smin) r = 0;
      else if (((ta.value ^ tb.value) & ~ta.mask & ~tb.mask) !== 0n) r = 0;
      if (r === -1) return -1;
      return op === JmpOp.JEQ ? r : r === 1 ? 0 : 1;
    }
    case JmpOp.JSET:
      if ((ta.value & tb.value) !== 0n) return 1;
      if (((ta.value | ta.mask) & (tb.value | tb.mask)) === 0n) return 0;
      return -1;
    case JSET_NOT: {
      const r = isBranchTaken(JmpOp.JSET, a, b, is32);
      return r === -1 ? -1 : r === 1 ? 0 : 1;
    }
    case JmpOp.JGT:
      if (x.umin > y.umax) return 1;
      if (x.umax <= y.umin) return 0;
      return -1;
    case JmpOp.JGE:
      if (x.umin >= y.umax) return 1;
      if (x.umax < y.umin) return 0;
      return -1;
    case JmpOp.JLT:
      if (x.umax < y.umin) return 1;
      if (x.umin >= y.umax) return 0;
      return -1;
    case JmpOp.JLE:
      if (x.umax <= y.umin) return 1;
      if (x.umin > y.umax) return 0;
      return -1;
    case JmpOp.JSGT:
      if (x.smin > y.smax) return 1;
      if (x.smax <= y.smin) return 0;
      return -1;
    case JmpOp.JSGE:
      if (x.smin >= y.smax) return 1;
      if (x.smax < y.smin) return 0;
      return -1;
    case JmpOp.JSLT:
      if (x.smax < y.smin) return 1;
      if (x.smin >= y.smax) return 0;
      return -1;
    case JmpOp.JSLE:
      if (x.smax <= y.smin) return 1;
      if (x.smin > y.smax) return 0;
      return -1;
    default:
      return -1;
  }
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * regs_refine_cond_op + reg_bounds_sync: narrow `a` and `b` assuming `a OP b` holds. Returns false
 * when the assumption is impossible (the arm is dead).
 */
export function refineCond(op: number, a: Scalar, b: Scalar, is32: boolean): boolean {
  const x = view(a, is32);
  const y = view(b, is32);
  switch (op) {
    case JmpOp.JEQ: {
      x.umin = y.umin = max(x.umin, y.umin);
      x.umax = y.umax = min(x.umax, y.umax);
      x.smin = y.smin = max(x.smin, y.smin);
      x.smax = y.smax = min(x.smax, y.smax);
      if (is32) {
        const t = tnumIntersect(tnumSubreg(a.varOff), tnumSubreg(b.varOff));
        a.varOff = tnumWithSubreg(a.varOff, t);
        b.varOff = tnumWithSubreg(b.varOff, t);
      } else {
        a.varOff = b.varOff = tnumIntersect(a.varOff, b.varOff);
      }
      break;
    }
    case JmpOp.JNE: {
      // Only a constant on one side can shave an end point off the other side's ranges.
      const shave = (r: View, c: Scalar): void => {
        const tc = tn(c, is32);
        if (!tnumIsConst(tc)) return;
        const val = tc.value;
        const sval = is32 ? BigInt.asIntN(32, val) : BigInt.asIntN(64, val);
        if (r.umin === val) r.umin++;
        if (r.umax === val) r.umax--;
        if (r.smin === sval) r.smin++;
        if (r.smax === sval) r.smax--;
      };
      shave(x, b);
      shave(y, a);
      break;
    }
    case JmpOp.JSET: {
      const tb = tn(b, is32);
      if (tnumIsConst(tb) && tb.value !== 0n && (tb.value & (tb.value - 1n)) === 0n) {
        a.varOff = tnumOr(a.varOff, tnumConst(tb.value));
      }
      break;
    }
    case JSET_NOT: {
      const tb = tn(b, is32);
      if (tnumIsConst(tb)) a.varOff = tnumAnd(a.varOff, tnumConst(~tb.value & U64_MASK));
      const ta = tn(a, is32);
      if (tnumIsConst(ta)) b.varOff = tnumAnd(b.varOff, tnumConst(~ta.value & U64_MASK));
      break;
    }
    case JmpOp.JGE:
      x.umin = max(x.umin, y.umin);
      y.umax = min(y.umax, x.umax);
      break;
    case JmpOp.JGT:
      x.umin = max(x.umin, y.umin + 1n);
      y.umax = min(y.umax, x.umax - 1n);
      break;
    case JmpOp.JSGE:
      x.smin = max(x.smin, y.smin);
      y.smax = min(y.smax, x.smax);
      break;
    case JmpOp.JSGT:
      x.smin = max(x.smin, y.smin + 1n);
      y.smax = min(y.smax, x.smax - 1n);
      break;
    case JmpOp.JLE:
    case JmpOp.JLT:
    case JmpOp.JSLE:
    case JmpOp.JSLT:
      return refineCond(swapJmp(op), b, a, is32);
    default:
      return true;
  }
  store(a, x, is32);
  store(b, y, is32);
  if (isEmpty(a) || isEmpty(b)) return false;
  syncBounds(a);
  syncBounds(b);
  return !isEmpty(a) && !isEmpty(b);
}

