/**
 * 64-bit arithmetic on (lo, hi) int32 halves for the interpreter. Results go to a shared two-slot
 * scratch array so nothing is allocated per operation; the rare wide cases (64-bit division with
 * large operands) fall back to BigInt.
 */
export const out = new Int32Array(2);

/** Full 64-bit product of two 64-bit values (mod 2^64) into `out`. */
export function mul64(alo: number, ahi: number, blo: number, bhi: number): void {
  const a0 = alo & 0xffff;
  const a1 = alo >>> 16;
  const b0 = blo & 0xffff;
  const b1 = blo >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  out[0] = (mid << 16) | (p00 & 0xffff);
  out[1] = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
}

export function toBig(lo: number, hi: number): bigint {
  // Most helper arguments are small or 32-bit addresses: one BigInt instead of three.
  if (hi === 0) return BigInt(lo >>> 0);
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export function toBigSigned(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

export function fromBig(value: bigint): void {
  if (value >= 0n && value <= 0xffffffffn) {
    out[0] = Number(value) | 0;
    out[1] = 0;
    return;
  }
  out[0] = Number(BigInt.asIntN(32, value));
  out[1] = Number(BigInt.asIntN(32, value >> 32n));
}

/** Unsigned 64-bit division; the divisor is non-zero. */
export function udiv64(alo: number, ahi: number, blo: number, bhi: number): void {
  if (ahi === 0 && bhi === 0) {
    out[0] = Math.floor((alo >>> 0) / (blo >>> 0)) | 0;
    out[1] = 0;
    return;
  }
  fromBig(toBig(alo, ahi) / toBig(blo, bhi));
}

/** Unsigned 64-bit remainder; the divisor is non-zero. */
export function umod64(alo: number, ahi: number, blo: number, bhi: number): void {
  if (ahi === 0 && bhi === 0) {
    out[0] = (alo >>> 0) % (blo >>> 0) | 0;
    out[1] = 0;
    return;
  }
  fromBig(toBig(alo, ahi) % toBig(blo, bhi));
}

/** Signed 64-bit division (truncating; INT64_MIN / -1 wraps to INT64_MIN); divisor non-zero. */
export function sdiv64(alo: number, ahi: number, blo: number, bhi: number): void {
  fromBig(toBigSigned(alo, ahi) / toBigSigned(blo, bhi));
}

/** Signed 64-bit remainder (sign of the dividend; INT64_MIN % -1 = 0); divisor non-zero. */
export function smod64(alo: number, ahi: number, blo: number, bhi: number): void {
  fromBig(toBigSigned(alo, ahi) % toBigSigned(blo, bhi));
}

export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}
