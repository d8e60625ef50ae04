/** Internet checksum arithmetic (RFC 1071/1624) as the kernel's csum_* functions compute it. */

/** One's-complement 32-bit add with end-around carry (csum_add). */
export function csumAdd(a: number, b: number): number {
  const s = (a >>> 0) + (b >>> 0);
  return (s >= 0x1_0000_0000 ? s - 0xffff_ffff : s) >>> 0;
}

export function csumSub(a: number, b: number): number {
  return csumAdd(a, ~b >>> 0);
}

/** Folds a 32-bit partial sum to 16 bits and complements it (csum_fold). */
export function csumFold(sum: number): number {
  let s = sum >>> 0;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** csum_partial over 32-bit little-endian words (the lengths bpf_csum_diff accepts are multiples of 4). */
export function csumPartial(bytes: Uint8Array, seed: number): number {
  let sum = seed >>> 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i + 4 <= bytes.length; i += 4) sum = csumAdd(sum, view.getUint32(i, true));
  return sum;
}
