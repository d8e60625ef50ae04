import {
  type Tnum,
  TNUM_UNKNOWN,
  U32_MASK,
  U64_MASK,
  tnumClearSubreg,
  tnumConst,
  tnumIntersect,
  tnumIsConst,
  tnumOr,
  tnumRange,
  tnumSubreg,
} from './tnum.js';
import { isSmall, syncSmall } from './sync-small.js';

export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;
export const U64_MAX = U64_MASK;
export const U32_MAX = U32_MASK;

/**
 * What the verifier knows about a scalar (the numeric part of `struct bpf_reg_state`): a tnum plus
 * signed/unsigned 64- and 32-bit ranges. Unsigned bounds are bigints in [0, 2^N), signed ones in
 * [-2^(N-1), 2^(N-1)). Mutable: the interpreter updates registers in place and copies on fork.
 */
export interface Scalar {
  varOff: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32min: bigint;
  s32max: bigint;
  u32min: bigint;
  u32max: bigint;
}

export function scalarUnknown(): Scalar {
  return {
    varOff: TNUM_UNKNOWN,
    smin: S64_MIN,
    smax: S64_MAX,
    umin: 0n,
    umax: U64_MAX,
    s32min: S32_MIN,
    s32max: S32_MAX,
    u32min: 0n,
    u32max: U32_MAX,
  };
}

export function scalarConst(v: bigint): Scalar {
  const u = v & U64_MASK;
  const u32 = u & U32_MASK;
  return {
    varOff: tnumConst(u),
    smin: BigInt.asIntN(64, u),
    smax: BigInt.asIntN(64, u),
    umin: u,
    umax: u,
    s32min: BigInt.asIntN(32, u32),
    s32max: BigInt.asIntN(32, u32),
    u32min: u32,
    u32max: u32,
  };
}

export function scalarCopy(s: Scalar): Scalar {
  // A literal with the fields in creation order keeps one object shape (faster than a spread).
  return { varOff: s.varOff, smin: s.smin, smax: s.smax, umin: s.umin, umax: s.umax, s32min: s.s32min, s32max: s.s32max, u32min: s.u32min, u32max: s.u32max };
}

export function scalarAssign(dst: Scalar, src: Scalar): void {
  dst.varOff = src.varOff;
  dst.smin = src.smin;
  dst.smax = src.smax;
  dst.umin = src.umin;
  dst.umax = src.umax;
  dst.s32min = src.s32min;
  dst.s32max = src.s32max;
  dst.u32min = src.u32min;
  dst.u32max = src.u32max;
}

export function markUnbounded64(s: Scalar): void {
  s.smin = S64_MIN;
  s.smax = S64_MAX;
  s.umin = 0n;
  s.umax = U64_MAX;
}

export function markUnbounded32(s: Scalar): void {
  s.s32min = S32_MIN;
  s.s32max = S32_MAX;
  s.u32min = 0n;
  s.u32max = U32_MAX;
}

export function markUnknown(s: Scalar): void {
  s.varOff = TNUM_UNKNOWN;
  markUnbounded64(s);
  markUnbounded32(s);
}

export function isConst(s: Scalar): boolean {
  return tnumIsConst(s.varOff);
}

export function isConst32(s: Scalar): boolean {
  return tnumIsConst(tnumSubreg(s.varOff));
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

/** __update_reg32_bounds + __update_reg64_bounds: tighten the ranges from the known bits. */
export function updateBounds(s: Scalar): void {
  const v = s.varOff;
  const v32v = v.value & U32_MASK;
  const v32m = v.mask & U32_MASK;
  s.s32min = max(s.s32min, s32(v32v | (v32m & 0x8000_0000n)));
  s.s32max = min(s.s32max, s32(v32v | (v32m & 0x7fff_ffffn)));
  s.u32min = max(s.u32min, v32v);
  s.u32max = min(s.u32max, v32v | v32m);
  s.smin = max(s.smin, s64(v.value | (v.mask & (1n << 63n))));
  s.smax = min(s.smax, s64(v.value | (v.mask & ((1n << 63n) - 1n))));
  s.umin = max(s.umin, v.value);
  s.umax = min(s.umax, v.value | v.mask);
}

/** __reg32_deduce_bounds, including what the 64-bit ranges say about the low half. */
function deduce32(s: Scalar): void {
  // When the upper 32 bits of the 64-bit range do not change, its low half bounds the subregister.
  if (s.umin >> 32n === s.umax >> 32n) {
    s.u32min = max(s.u32min, u32(s.umin));
    s.u32max = min(s.u32max, u32(s.umax));
    if (s32(s.umin) <= s32(s.umax)) {
      s.s32min = max(s.s32min, s32(s.umin));
      s.s32max = min(s.s32max, s32(s.umax));
    }
  }
  if (s.smin >> 32n === s.smax >> 32n) {
    s.u32min = max(s.u32min, u32(s.smin));
    s.u32max = min(s.u32max, u32(s.smax));
    if (s32(s.smin) <= s32(s.smax)) {
      s.s32min = max(s.s32min, s32(s.smin));
      s.s32max = min(s.s32max, s32(s.smax));
    }
  }
  if (s32(s.u32min) <= s32(s.u32max)) {
    s.s32min = max(s.s32min, s32(s.u32min));
    s.s32max = min(s.s32max, s32(s.u32max));
  }
  if (u32(s.s32min) <= u32(s.s32max)) {
    s.u32min = max(s.u32min, u32(s.s32min));
    s.u32max = min(s.u32max, u32(s.s32max));
  }
}

/** __reg64_deduce_bounds: signed and unsigned 64-bit ranges inform each other when they do not cross the sign boundary. */
function deduce64(s: Scalar): void {
  if (s64(s.umin) <= s64(s.umax)) {
    s.smin = max(s.smin, s64(s.umin));
    s.smax = min(s.smax, s64(s.umax));
  }
  if (u64(s.smin) <= u64(s.smax)) {
    s.umin = max(s.umin, u64(s.smin));
    s.umax = min(s.umax, u64(s.smax));
  }
}

/** __reg_deduce_mixed_bounds: the 32-bit ranges narrow the 64-bit ones within the same upper half. */
function deduceMixed(s: Scalar): void {
  const hiMask = ~U32_MASK & U64_MASK;
  const newUmin = (s.umin & hiMask) | s.u32min;
  const newUmax = (s.umax & hiMask) | s.u32max;
  s.umin = max(s.umin, newUmin);
  s.umax = min(s.umax, newUmax);
  const newSmin = s64((u64(s.smin) & hiMask) | s.u32min);
  const newSmax = s64((u64(s.smax) & hiMask) | s.u32max);
  s.smin = max(s.smin, newSmin);
  s.smax = min(s.smax, newSmax);
  if (s.s32min >= 0n && s.smin >= S32_MIN && s.smax <= S32_MAX) {
    s.smin = max(s.smin, s.s32min);
    s.smax = min(s.smax, s.s32max);
    s.umin = max(s.umin, s.s32min);
    s.umax = min(s.umax, s.s32max);
    s.varOff = tnumIntersect(s.varOff, tnumRange(s.umin, s.umax));
  }
}

export function deduceBounds(s: Scalar): void {
  deduce32(s);
  deduce64(s);
  deduceMixed(s);
  deduce32(s);
  deduce64(s);
}

/** __reg_bound_offset: the ranges narrow the tnum. */
export function boundOffset(s: Scalar): void {
  const var64 = tnumIntersect(s.varOff, tnumRange(s.umin, s.umax));
  const var32 = tnumIntersect(tnumSubreg(var64), tnumRange(s.u32min, s.u32max));
  s.varOff = tnumOr(tnumClearSubreg(var64), var32);
}

/**
 * reg_bounds_sync for a known constant that every range already admits: the ranges collapse to it
 * (what the full sync computes, without its ~60 bigint operations). False when a range excludes the
 * constant, so the full sync can report the contradiction.
 */
function syncConst(s: Scalar): boolean {
  const u = s.varOff.value;
  const sv = s64(u);
  const lo = u & U32_MASK;
  const slo = s32(lo);
  if (u < s.umin || u > s.umax || sv < s.smin || sv > s.smax || lo < s.u32min || lo > s.u32max || slo < s.s32min || slo > s.s32max) return false;
  s.umin = s.umax = u;
  s.smin = s.smax = sv;
  s.u32min = s.u32max = lo;
  s.s32min = s.s32max = slo;
  return true;
}

/** Knows nothing at all: reg_bounds_sync leaves such a scalar as it is. */
function isUnknown(s: Scalar): boolean {
  return (
    s.varOff.value === 0n && s.varOff.mask === U64_MASK && s.umin === 0n && s.umax === U64_MAX && s.smin === S64_MIN && s.smax === S64_MAX &&
    s.u32min === 0n && s.u32max === U32_MAX && s.s32min === S32_MIN && s.s32max === S32_MAX
  );
}

/** reg_bounds_sync. */
export function syncBounds(s: Scalar): void {
  if (s.varOff.mask === 0n && syncConst(s)) return;
  // Nothing known: the sync would leave it as it is.
  if (isUnknown(s)) return;
  if (isSmall(s)) {
    syncSmall(s);
    return;
  }
  syncBoundsBig(s);
}

/** reg_bounds_sync on bigints for any scalar (the reference the number fast path is tested against). */
export function syncBoundsBig(s: Scalar): void {
  updateBounds(s);
  deduceBounds(s);
  boundOffset(s);
  updateBounds(s);
}

/** True when the ranges contradict each other (the state cannot occur: the branch is dead). */
export function isEmpty(s: Scalar): boolean {
  if (s.umin > s.umax || s.smin > s.smax || s.u32min > s.u32max || s.s32min > s.s32max) return true;
  // A tnum whose value and mask overlap describes no value.
  return (s.varOff.value & s.varOff.mask) !== 0n;
}

/** Does `x` (any bigint, interpreted modulo 2^64) satisfy every constraint in `s`? */
export function scalarContains(s: Scalar, x: bigint): boolean {
  const u = u64(x);
  const sv = s64(u);
  const lo = u32(u);
  const slo = s32(lo);
  return (
    (u & ~s.varOff.mask) === s.varOff.value &&
    u >= s.umin &&
    u <= s.umax &&
    sv >= s.smin &&
    sv <= s.smax &&
    lo >= s.u32min &&
    lo <= s.u32max &&
    slo >= s.s32min &&
    slo <= s.s32max
  );
}

/** Is every value of `cur` also a value of `old`? (range_within + tnum_in, used by state pruning) */
export function scalarWithin(old: Scalar, cur: Scalar): boolean {
  return (
    old.umin <= cur.umin &&
    old.umax >= cur.umax &&
    old.smin <= cur.smin &&
    old.smax >= cur.smax &&
    old.u32min <= cur.u32min &&
    old.u32max >= cur.u32max &&
    old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max &&
    (cur.varOff.mask & ~old.varOff.mask) === 0n &&
    old.varOff.value === (cur.varOff.value & ~old.varOff.mask)
  );
}

export function scalarEquals(a: Scalar, b: Scalar): boolean {
  return (
    a.varOff.value === b.varOff.value &&
    a.varOff.mask === b.varOff.mask &&
    a.umin === b.umin &&
    a.umax === b.umax &&
    a.smin === b.smin &&
    a.smax === b.smax &&
    a.u32min === b.u32min &&
    a.u32max === b.u32max &&
    a.s32min === b.s32min &&
    a.s32max === b.s32max
  );
}

/** zext_32_to_64 after a 32-bit ALU op: upper half becomes zero, 64-bit ranges come from the 32-bit ones. */
export function zext32To64(s: Scalar): void {
  s.varOff = tnumSubreg(s.varOff);
  s.umin = s.u32min;
  s.umax = s.u32max;
  if (s.s32min >= 0n && s.s32max >= 0n) {
    s.smin = s.s32min;
    s.smax = s.s32max;
  } else {
    s.smin = 0n;
    s.smax = U32_MAX;
  }
}

/** The scalar after sign extension of its low `bits` bits (movsx / ldsx). */
export function signExtendFrom(s: Scalar, bits: 8 | 16 | 32): void {
  const b = BigInt(bits);
  const lowMask = (1n << b) - 1n;
  const v = s.varOff;
  if (tnumIsConst(v)) {
    const c = BigInt.asIntN(bits, v.value & lowMask);
    Object.assign(s, scalarConst(c));
    return;
  }
  // Range known only when the truncated value keeps its sign bit known-zero and the range fits.
  const top = 1n << (b - 1n);
  const signKnownZero = ((v.value | v.mask) & top) === 0n;
  if (signKnownZero) {
    const t = { value: v.value & lowMask, mask: v.mask & lowMask };
    Object.assign(s, scalarUnknown());
    s.varOff = t;
    syncBounds(s);
    return;
  }
  Object.assign(s, scalarUnknown());
  s.smin = -top;
  s.smax = top - 1n;
  syncBounds(s);
}
