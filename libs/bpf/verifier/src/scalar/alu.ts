import { AluOp } from '@bpfleet/isa';
import {
  type Scalar,
  S32_MAX,
  S32_MIN,
  S64_MAX,
  S64_MIN,
  U32_MAX,
  U64_MAX,
  markUnbounded32,
  markUnbounded64,
  markUnknown,
  scalarConst,
  syncBounds,
  zext32To64,
} from './bounds.js';
import {
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumLshift,
  tnumMul,
  tnumNeg,
  tnumOr,
  tnumRshift,
  tnumSub,
  tnumSubreg,
  tnumXor,
} from './tnum.js';

// ALU operation codes come from the ISA library (the `op` nibble, already shifted).
export { AluOp };

const fitsS64 = (x: bigint): boolean => x >= S64_MIN && x <= S64_MAX;
const fitsS32 = (x: bigint): boolean => x >= S32_MIN && x <= S32_MAX;

/**
 * Can the result's range be computed from `src`? (is_safe_to_compute_dst_reg_range): add/sub/and/or/
 * xor/mul always; shifts only by a constant smaller than the operation width; the rest never.
 */
function isSafeToCompute(op: AluOp, src: Scalar, is64: boolean): boolean {
  switch (op) {
    case AluOp.ADD:
    case AluOp.SUB:
    case AluOp.AND:
    case AluOp.OR:
    case AluOp.XOR:
    case AluOp.MUL:
    case AluOp.NEG:
      return true;
    case AluOp.LSH:
    case AluOp.RSH:
    case AluOp.ARSH: {
      const lo = is64 ? src.umin : src.u32min;
      const hi = is64 ? src.umax : src.u32max;
      return lo === hi && hi < (is64 ? 64n : 32n);
    }
    default:
      return false;
  }
}

// ---- 32-bit ranges ----

function add32(d: Scalar, s: Scalar): void {
  const smin = d.s32min + s.s32min;
  const smax = d.s32max + s.s32max;
  if (!fitsS32(smin) || !fitsS32(smax)) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = smin;
    d.s32max = smax;
  }
  const umin = d.u32min + s.u32min;
  const umax = d.u32max + s.u32max;
  if (umin > U32_MAX || umax > U32_MAX) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    d.u32min = umin;
    d.u32max = umax;
  }
}

function add64(d: Scalar, s: Scalar): void {
  const smin = d.smin + s.smin;
  const smax = d.smax + s.smax;
  if (!fitsS64(smin) || !fitsS64(smax)) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = smin;
    d.smax = smax;
  }
  const umin = d.umin + s.umin;
  const umax = d.umax + s.umax;
  if (umin > U64_MAX || umax > U64_MAX) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin = umin;
    d.umax = umax;
  }
}

function sub32(d: Scalar, s: Scalar): void {
  const smin = d.s32min - s.s32max;
  const smax = d.s32max - s.s32min;
  if (!fitsS32(smin) || !fitsS32(smax)) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = smin;
    d.s32max = smax;
  }
  if (d.u32min < s.u32max) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    const umin = d.u32min - s.u32max;
    d.u32max = d.u32max - s.u32min;
    d.u32min = umin;
  }
}

function sub64(d: Scalar, s: Scalar): void {
  const smin = d.smin - s.smax;
  const smax = d.smax - s.smin;
  if (!fitsS64(smin) || !fitsS64(smax)) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = smin;
    d.smax = smax;
  }
  if (d.umin < s.umax) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    const umin = d.umin - s.umax;
    d.umax = d.umax - s.umin;
    d.umin = umin;
  }
}

/** Products of the corners, or the full range when any overflows the width. */
function mulRange(
  dmin: bigint,
  dmax: bigint,
  smin: bigint,
  smax: bigint,
  fits: (x: bigint) => boolean,
): [bigint, bigint] | null {
  const p = [dmin * smin, dmin * smax, dmax * smin, dmax * smax];
  let lo = p[0]!;
  let hi = p[0]!;
  for (const x of p) {
    if (!fits(x)) return null;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

function mul32(d: Scalar, s: Scalar): void {
  const sr = mulRange(d.s32min, d.s32max, s.s32min, s.s32max, fitsS32);
  const ur = mulRange(d.u32min, d.u32max, s.u32min, s.u32max, (x) => x <= U32_MAX);
  if (sr) [d.s32min, d.s32max] = sr;
  else [d.s32min, d.s32max] = [S32_MIN, S32_MAX];
  if (ur) [d.u32min, d.u32max] = ur;
  else [d.u32min, d.u32max] = [0n, U32_MAX];
}

function mul64(d: Scalar, s: Scalar): void {
  const sr = mulRange(d.smin, d.smax, s.smin, s.smax, fitsS64);
  const ur = mulRange(d.umin, d.umax, s.umin, s.umax, (x) => x <= U64_MAX);
  if (sr) [d.smin, d.smax] = sr;
  else [d.smin, d.smax] = [S64_MIN, S64_MAX];
  if (ur) [d.umin, d.umax] = ur;
  else [d.umin, d.umax] = [0n, U64_MAX];
}

function and32(d: Scalar, s: Scalar): void {
  const v = tnumSubreg(d.varOff);
  d.u32min = v.value;
  d.u32max = d.u32max < s.u32max ? d.u32max : s.u32max;
  if (d.s32min < 0n || s.s32min < 0n) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = d.u32min;
    d.s32max = d.u32max;
  }
}

function and64(d: Scalar, s: Scalar): void {
  d.umin = d.varOff.value;
  d.umax = d.umax < s.umax ? d.umax : s.umax;
  if (d.smin < 0n || s.smin < 0n) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = d.umin;
    d.smax = d.umax;
  }
}

function or32(d: Scalar, s: Scalar): void {
  const v = tnumSubreg(d.varOff);
  d.u32min = d.u32min > s.u32min ? d.u32min : s.u32min;
  d.u32max = v.value | v.mask;
  if (d.s32min < 0n || s.s32min < 0n) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = d.u32min;
    d.s32max = d.u32max;
  }
}

function or64(d: Scalar, s: Scalar): void {
  d.umin = d.umin > s.umin ? d.umin : s.umin;
  d.umax = d.varOff.value | d.varOff.mask;
  if (d.smin < 0n || s.smin < 0n) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = d.umin;
    d.smax = d.umax;
  }
}

function xor32(d: Scalar, s: Scalar): void {
  const v = tnumSubreg(d.varOff);
  d.u32min = v.value;
  d.u32max = v.value | v.mask;
  if (d.s32min >= 0n && s.s32min >= 0n) {
    d.s32min = d.u32min;
    d.s32max = d.u32max;
  } else {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  }
}

function xor64(d: Scalar, s: Scalar): void {
  d.umin = d.varOff.value;
  d.umax = d.varOff.value | d.varOff.mask;
  if (d.smin >= 0n && s.smin >= 0n) {
    d.smin = d.umin;
    d.smax = d.umax;
  } else {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  }
}

function lsh32(d: Scalar, shift: bigint): void {
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  if (d.u32max > (1n << (31n - shift))) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    d.u32min <<= shift;
    d.u32max <<= shift;
  }
}

function lsh64(d: Scalar, shift: bigint): void {
  d.smin = S64_MIN;
  d.smax = S64_MAX;
  if (d.umax > (1n << (63n - shift))) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin <<= shift;
    d.umax <<= shift;
  }
}

/**
 * Applies `dst = dst OP src` to the abstract scalar `dst` (adjust_scalar_min_max_vals). `is64` selects
 * BPF_ALU64 vs BPF_ALU (32-bit op, result zero-extended). DIV/MOD/END and unsafe shifts give unknown.
 */
export function scalarAlu(op: AluOp, dst: Scalar, src: Scalar, is64: boolean): void {
  if (!isSafeToCompute(op, src, is64)) {
    markUnknown(dst);
    if (!is64) zext32To64(dst);
    return;
  }
  const shift = is64 ? src.umin : src.u32min;
  switch (op) {
    case AluOp.ADD:
      add32(dst, src);
      add64(dst, src);
      dst.varOff = tnumAdd(dst.varOff, src.varOff);
      break;
    case AluOp.SUB:
      sub32(dst, src);
      sub64(dst, src);
      dst.varOff = tnumSub(dst.varOff, src.varOff);
      break;
    case AluOp.NEG: {
      // dst = -dst, computed as 0 - dst so the ranges follow sub's rules.
      const zero = scalarConst(0n);
      sub32(zero, dst);
      sub64(zero, dst);
      zero.varOff = tnumNeg(dst.varOff);
      Object.assign(dst, zero);
      break;
    }
    case AluOp.MUL:
      dst.varOff = tnumMul(dst.varOff, src.varOff);
      mul32(dst, src);
      mul64(dst, src);
      break;
    case AluOp.AND:
      dst.varOff = tnumAnd(dst.varOff, src.varOff);
      and32(dst, src);
      and64(dst, src);
      break;
    case AluOp.OR:
      dst.varOff = tnumOr(dst.varOff, src.varOff);
      or32(dst, src);
      or64(dst, src);
      break;
    case AluOp.XOR:
      dst.varOff = tnumXor(dst.varOff, src.varOff);
      xor32(dst, src);
      xor64(dst, src);
      break;
    case AluOp.LSH:
      if (is64) {
        // The low half after a 64-bit shift depends only on the low half, except bits shifted out.
        if (shift < 32n) lsh32(dst, shift);
        else markUnbounded32(dst);
        lsh64(dst, shift);
        dst.varOff = tnumLshift(dst.varOff, Number(shift));
      } else {
        lsh32(dst, shift);
        dst.varOff = tnumSubreg(tnumLshift(tnumSubreg(dst.varOff), Number(shift)));
      }
      break;
    case AluOp.RSH:
      if (is64) {
        markUnbounded32(dst);
        dst.smin = S64_MIN;
        dst.smax = S64_MAX;
        dst.varOff = tnumRshift(dst.varOff, Number(shift));
        dst.umin >>= shift;
        dst.umax >>= shift;
      } else {
        dst.s32min = S32_MIN;
        dst.s32max = S32_MAX;
        dst.varOff = tnumRshift(tnumSubreg(dst.varOff), Number(shift));
        dst.u32min >>= shift;
        dst.u32max >>= shift;
      }
      break;
    case AluOp.ARSH:
      if (is64) {
        markUnbounded32(dst);
        dst.smin >>= shift;
        dst.smax >>= shift;
        dst.varOff = tnumArshift(dst.varOff, Number(shift), 64);
        dst.umin = 0n;
        dst.umax = U64_MAX;
      } else {
        dst.s32min >>= shift;
        dst.s32max >>= shift;
        dst.varOff = tnumArshift(tnumSubreg(dst.varOff), Number(shift), 32);
        dst.u32min = 0n;
        dst.u32max = U32_MAX;
      }
      break;
    default:
      markUnknown(dst);
  }
  if (!is64) {
    // A 32-bit op says nothing about the 64-bit ranges until the result is zero-extended.
    markUnbounded64(dst);
    dst.varOff = tnumSubreg(dst.varOff);
    syncBounds(dst);
    zext32To64(dst);
  }
  syncBounds(dst);
}

