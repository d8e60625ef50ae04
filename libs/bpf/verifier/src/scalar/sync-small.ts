import type { Scalar } from './bounds.js';

/**
 * reg_bounds_sync for the common case of a scalar whose tnum lies in [0, 2^31) (value and mask): the
 * first bounds update clamps every range into [value, value | mask], unless a lower bound already sits
 * above 2^31 - 1 or an upper bound below 0. From there every s32/u32/s64/u64 cast in the full sync is the
 * identity and the upper halves are zero, so the same steps run exactly on plain numbers (int32 bit
 * operations, no bigint allocated). The bigint sync in bounds.ts stays the reference; bounds.spec.ts
 * compares the two.
 */

const SMALL_MAX = 0x7fff_ffffn;

/** Is `s` in the regime where syncSmall is exact? (comparisons only: no bigint is allocated) */
export function isSmall(s: Scalar): boolean {
  const v = s.varOff;
  return (
    v.value >= 0n && v.value <= SMALL_MAX && v.mask >= 0n && v.mask <= SMALL_MAX &&
    s.umin <= SMALL_MAX && s.smin <= SMALL_MAX && s.u32min <= SMALL_MAX && s.s32min <= SMALL_MAX &&
    s.umax >= 0n && s.smax >= 0n && s.u32max >= 0n && s.s32max >= 0n
  );
}

// Scratch state for one sync (module-level: the verifier is single-threaded and syncSmall does not recurse).
let tv = 0, tm = 0;
let umin = 0, umax = 0, smin = 0, smax = 0, u32min = 0, u32max = 0, s32min = 0, s32max = 0;

/** Bit length of a number in [0, 2^31). */
const fls = (x: number): number => 32 - Math.clz32(x);

/** tnum_range(lo, hi) intersected into (tv, tm); `lo` and `hi` in [0, 2^31). */
function intersectRange(lo: number, hi: number): void {
  const delta = 2 ** fls(lo ^ hi) - 1;
  const rv = lo & ~delta;
  const v = tv | rv;
  const mu = tm & delta;
  tv = v & ~mu;
  tm = mu;
}

/** __update_reg32_bounds + __update_reg64_bounds with every cast the identity. */
function update(): void {
  const lo = tv;
  const hi = tv | tm;
  if (s32min < lo) s32min = lo;
  if (s32max > hi) s32max = hi;
  if (u32min < lo) u32min = lo;
  if (u32max > hi) u32max = hi;
  if (smin < lo) smin = lo;
  if (smax > hi) smax = hi;
  if (umin < lo) umin = lo;
  if (umax > hi) umax = hi;
}

/** __reg32_deduce_bounds: the upper halves are equal (zero), so each guard reduces to `min <= max`. */
function deduce32(): void {
  if (u32min < umin) u32min = umin;
  if (u32max > umax) u32max = umax;
  if (umin <= umax) {
    if (s32min < umin) s32min = umin;
    if (s32max > umax) s32max = umax;
  }
  if (u32min < smin) u32min = smin;
  if (u32max > smax) u32max = smax;
  if (smin <= smax) {
    if (s32min < smin) s32min = smin;
    if (s32max > smax) s32max = smax;
  }
  if (u32min <= u32max) {
    if (s32min < u32min) s32min = u32min;
    if (s32max > u32max) s32max = u32max;
  }
  if (s32min <= s32max) {
    if (u32min < s32min) u32min = s32min;
    if (u32max > s32max) u32max = s32max;
  }
}

function deduce64(): void {
  if (umin <= umax) {
    if (smin < umin) smin = umin;
    if (smax > umax) smax = umax;
  }
  if (smin <= smax) {
    if (umin < smin) umin = smin;
    if (umax > smax) umax = smax;
  }
}

/** __reg_deduce_mixed_bounds: the high halves are zero and s32min >= 0, so the last rule always applies. */
function deduceMixed(): void {
  if (umin < u32min) umin = u32min;
  if (umax > u32max) umax = u32max;
  if (smin < u32min) smin = u32min;
  if (smax > u32max) smax = u32max;
  if (smin < s32min) smin = s32min;
  if (smax > s32max) smax = s32max;
  if (umin < s32min) umin = s32min;
  if (umax > s32max) umax = s32max;
  intersectRange(umin, umax);
}

/** __reg_bound_offset: the upper half of the tnum is zero, so it is the 64-bit then 32-bit range intersection. */
function boundOffset(): void {
  intersectRange(umin, umax);
  intersectRange(u32min, u32max);
  tm &= ~tv;
}

/** Runs reg_bounds_sync on `s`, which must satisfy isSmall; writes back only the fields that changed. */
export function syncSmall(s: Scalar): void {
  const ov = Number(s.varOff.value);
  const om = Number(s.varOff.mask);
  tv = ov;
  tm = om;
  umin = Number(s.umin); umax = Number(s.umax);
  smin = Number(s.smin); smax = Number(s.smax);
  u32min = Number(s.u32min); u32max = Number(s.u32max);
  s32min = Number(s.s32min); s32max = Number(s.s32max);
  // Out-of-regime bounds are exact enough as doubles here: this update replaces them all.
  update();
  deduce32();
  deduce64();
  deduceMixed();
  deduce32();
  deduce64();
  boundOffset();
  update();
  if (tv !== ov || tm !== om) s.varOff = { value: BigInt(tv), mask: BigInt(tm) };
  if (umin !== Number(s.umin)) s.umin = BigInt(umin);
  if (umax !== Number(s.umax)) s.umax = BigInt(umax);
  if (smin !== Number(s.smin)) s.smin = BigInt(smin);
  if (smax !== Number(s.smax)) s.smax = BigInt(smax);
  if (u32min !== Number(s.u32min)) s.u32min = BigInt(u32min);
  if (u32max !== Number(s.u32max)) s.u32max = BigInt(u32max);
  if (s32min !== Number(s.s32min)) s.s32min = BigInt(s32min);
  if (s32max !== Number(s.s32max)) s.s32max = BigInt(s32max);
}
