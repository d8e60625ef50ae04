/**
 * Tristate numbers (kernel/bpf/tnum.c): a 64-bit value where each bit is known 0, known 1 or unknown.
 * `value` holds the known-1 bits, `mask` the unknown bits; a bit set in both never happens.
 * Values are unsigned bigints in [0, 2^64).
 */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

export const U64_MASK = 0xffff_ffff_ffff_ffffn;
export const U32_MASK = 0xffff_ffffn;

export const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64_MASK };
export const TNUM_ZERO: Tnum = { value: 0n, mask: 0n };

export function tnum(value: bigint, mask: bigint): Tnum {
  return { value: value & U64_MASK, mask: mask & U64_MASK };
}

export function tnumConst(value: bigint): Tnum {
  return { value: value & U64_MASK, mask: 0n };
}

/** Bit length of `x` (fls64): 0 for 0, 64 for values with bit 63 set. */
function fls64(x: bigint): number {
  if (x === 0n) return 0;
  // Two 32-bit halves through clz32 (far cheaper than formatting the bigint).
  const hi = Number(x >> 32n);
  return hi !== 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(Number(x));
}

/** The smallest tnum containing every value in [min, max] (unsigned). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  const bits = fls64(chi);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return tnum(min & ~delta, delta);
}

export function tnumLshift(a: Tnum, shift: number): Tnum {
  const s = BigInt(shift);
  return tnum(a.value << s, a.mask << s);
}

export function tnumRshift(a: Tnum, shift: number): Tnum {
  const s = BigInt(shift);
  return tnum(a.value >> s, a.mask >> s);
}

function signExtend(x: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, x);
}

/** Arithmetic right shift at `bits` (32 or 64) width; the result is zero-extended for 32. */
export function tnumArshift(a: Tnum, shift: number, bits: 32 | 64): Tnum {
  const s = BigInt(shift);
  if (bits === 32) {
    return tnum(BigInt.asUintN(32, signExtend(a.value, 32) >> s), BigInt.asUintN(32, signExtend(a.mask, 32) >> s));
  }
  return tnum(signExtend(a.value, 64) >> s, signExtend(a.mask, 64) >> s);
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = (a.mask + b.mask) & U64_MASK;
  const sv = (a.value + b.value) & U64_MASK;
  const sigma = (sm + sv) & U64_MASK;
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return tnum(sv & ~mu, mu);
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = (a.value - b.value) & U64_MASK;
  const alpha = (dv + a.mask) & U64_MASK;
  const beta = (dv - b.mask) & U64_MASK;
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return tnum(dv & ~mu, mu);
}

export function tnumNeg(a: Tnum): Tnum {
  return tnumSub(TNUM_ZERO, a);
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return tnum(v, alpha & beta & ~v);
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return tnum(v, mu & ~v);
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return tnum(v & ~mu, mu);
}

/** Multiplication by shift-and-add over the known/unknown bits of `a` (the kernel's tnum_mul). */
export function tnumMul(a0: Tnum, b0: Tnum): Tnum {
  // Two constants: the loop below would add only zero masks.
  if (a0.mask === 0n && b0.mask === 0n) return { value: (a0.value * b0.value) & U64_MASK, mask: 0n };
  let a = a0;
  let b = b0;
  const accV = (a.value * b.value) & U64_MASK;
  let accM = TNUM_ZERO;
  while (a.value !== 0n || a.mask !== 0n) {
    if ((a.value & 1n) !== 0n) accM = tnumAdd(accM, tnum(0n, b.mask));
    else if ((a.mask & 1n) !== 0n) accM = tnumAdd(accM, tnum(0n, b.value | b.mask));
    a = tnumRshift(a, 1);
    b = tnumLshift(b, 1);
  }
  return tnumAdd(tnumConst(accV), accM);
}

/** Values known to be in both `a` and `b`. */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return tnum(v & ~mu, mu);
}

/** Truncates to `size` bytes. */
export function tnumCast(a: Tnum, size: number): Tnum {
  if (size >= 8) return a;
  const m = (1n << BigInt(size * 8)) - 1n;
  return { value: a.value & m, mask: a.mask & m };
}

export function tnumIsConst(a: Tnum): boolean {
  return a.mask === 0n;
}

export function tnumIsUnknown(a: Tnum): boolean {
  return a.mask === U64_MASK;
}

export function tnumIsAligned(a: Tnum, size: number): boolean {
  if (size === 0) return true;
  return ((a.value | a.mask) & BigInt(size - 1)) === 0n;
}

/** Is every value of `b` a value of `a`? */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if ((b.mask & ~a.mask) !== 0n) return false;
  return a.value === (b.value & ~a.mask);
}

export function tnumContains(a: Tnum, x: bigint): boolean {
  return ((x & U64_MASK) & ~a.mask) === a.value;
}

export function tnumEquals(a: Tnum, b: Tnum): boolean {
  return a.value === b.value && a.mask === b.mask;
}

export function tnumSubreg(a: Tnum): Tnum {
  return tnumCast(a, 4);
}

export function tnumClearSubreg(a: Tnum): Tnum {
  return tnumLshift(tnumRshift(a, 32), 32);
}

export function tnumWithSubreg(reg: Tnum, subreg: Tnum): Tnum {
  return tnumOr(tnumClearSubreg(reg), tnumSubreg(subreg));
}

export function tnumConstSubreg(a: Tnum, value: bigint): Tnum {
  return tnumWithSubreg(a, tnumConst(value));
}

/** `(0x0; 0xff)` as the kernel's log prints var_off. */
export function tnumFormat(a: Tnum): string {
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}
