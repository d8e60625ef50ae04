import type { AddressSpace, Region } from '../memory/address-space.js';
import { VmError } from '../memory/fault.js';
import { RegionKind } from '../memory/layout.js';

/** Multiplier of the key hash (the 32-bit golden ratio). */
export const HASH_INDEX_MULTIPLIER = 0x9e3779b1;
/** MurmurHash3 fmix32: h ^= h >>> 16; h *= [0]; h ^= h >>> 13; h *= [1]; h ^= h >>> 16. */
export const FINAL_MIX = [0x85ebca6b, 0xc2b2ae35] as const;
const FINAL_MIX_0 = FINAL_MIX[0];
const FINAL_MIX_1 = FINAL_MIX[1];
/** Largest index (table + keys) a hash map keeps in the address space; bigger maps index in JS only. */
const MAX_INDEX_BYTES = 4 << 20;

/**
 * Where a hash index lives, for code that probes it without calling back into JS (the JIT).
 * Table: `u32` per bucket, slot + 1 or 0 for empty, `mask + 1` buckets, linear probing.
 * Keys: slot `s`'s key at `keysBase + s * keyStride`, zero-padded to `keyStride` bytes.
 */
export interface HashIndexLayout {
  readonly tableBase: number;
  readonly mask: number;
  readonly keysBase: number;
  readonly keyStride: number;
  readonly keySize: number;
}

/**
 * A hash map's key -> slot index kept in the VM's memory, in a region programs cannot access
 * (no permissions), so a lookup reads the key where the program put it and allocates nothing: JS
 * probes it with typed arrays, and JIT code probes it inside Wasm (see `keyHash`, which both use).
 * Open addressing with linear probing at a load factor of at most 1/2; deletion shifts the
 * following entries back, so there are no tombstones.
 */
export class HashIndex implements HashIndexLayout {
  readonly region: Region;
  readonly tableBase: number;
  readonly mask: number;
  readonly keysBase: number;
  readonly keyStride: number;

  /**
   * An index for `maxEntries` keys of `keySize` bytes, or undefined when it would be too large or
   * the address space has no room for it (the map then indexes in JS only).
   */
  static create(mem: AddressSpace, name: string, keySize: number, maxEntries: number): HashIndex | undefined {
    const buckets = bucketCount(maxEntries);
    const keyStride = (keySize + 3) & ~3;
    if (buckets * 4 + maxEntries * keyStride > MAX_INDEX_BYTES) return undefined;
    try {
      return new HashIndex(mem, name, keySize, maxEntries, buckets, keyStride);
    } catch (error) {
      if (error instanceof VmError && error.code === 'ENOMEM') return undefined;
      throw error;
    }
  }

  private constructor(
    private readonly mem: AddressSpace,
    name: string,
    readonly keySize: number,
    maxEntries: number,
    buckets: number,
    keyStride: number,
  ) {
    this.keyStride = keyStride;
    this.mask = buckets - 1;
    this.region = mem.allocate(`map ${name} index`, RegionKind.MapIndex, buckets * 4 + maxEntries * keyStride, 0);
    this.tableBase = this.region.base;
    this.keysBase = this.region.base + buckets * 4;
  }

  /** Slot of the key stored at linear address `at`, or -1. */
  find(at: number): number {
    const u8 = this.mem.u8;
    const u32 = this.mem.u32;
    const mask = this.mask;
    let b = keyHash(u8, at, this.keySize) & mask;
    for (;;) {
      const e = u32[(this.tableBase >>> 2) + b];
      if (e === 0) return -1;
      if (this.keyEquals(u8, e - 1, at)) return e - 1;
      b = (b + 1) & mask;
    }
  }

  /** Records that `slot` holds `key` (which must not be in the index yet). */
  insert(slot: number, key: Uint8Array): void {
    const u8 = this.mem.u8;
    const stored = this.keysBase + slot * this.keyStride;
    u8.fill(0, stored, stored + this.keyStride);
    u8.set(key.subarray(0, this.keySize), stored);
    const u32 = this.mem.u32;
    const t = this.tableBase >>> 2;
    let b = keyHash(u8, stored, this.keySize) & this.mask;
    while (u32[t + b] !== 0) b = (b + 1) & this.mask;
    u32[t + b] = slot + 1;
  }

  /** Removes `slot` (which must be in the index), shifting later entries of its cluster back. */
  remove(slot: number): void {
    const u8 = this.mem.u8;
    const u32 = this.mem.u32;
    const t = this.tableBase >>> 2;
    const mask = this.mask;
    let hole = keyHash(u8, this.keysBase + slot * this.keyStride, this.keySize) & mask;
    while (u32[t + hole] !== slot + 1) hole = (hole + 1) & mask;
    let b = hole;
    for (;;) {
      b = (b + 1) & mask;
      const e = u32[t + b];
      if (e === 0) break;
      const home = keyHash(u8, this.keysBase + (e - 1) * this.keyStride, this.keySize) & mask;
      // Move e into the hole unless its home bucket lies cyclically in (hole, b].
      if (((b - home) & mask) >= ((b - hole) & mask)) {
        u32[t + hole] = e;
        hole = b;
      }
    }
    u32[t + hole] = 0;
  }

  private keyEquals(u8: Uint8Array, slot: number, at: number): boolean {
    const stored = this.keysBase + slot * this.keyStride;
    const size = this.keySize;
    if (size === 4) return u8[stored] === u8[at] && u8[stored + 1] === u8[at + 1] && u8[stored + 2] === u8[at + 2] && u8[stored + 3] === u8[at + 3];
    for (let i = 0; i < size; i++) if (u8[stored + i] !== u8[at + i]) return false;
    return true;
  }
}

function bucketCount(maxEntries: number): number {
  let n = 8;
  while (n < maxEntries * 2) n *= 2;
  return n;
}

/**
 * Hash of `size` key bytes at `at`, as 32-bit little-endian words (the last one zero-padded):
 * h = imul(rotl(h, 5) ^ word, MULTIPLIER) for each word from h = 0, then MurmurHash3's finaliser
 * (`FINAL_MIX`), so the low bits that pick a bucket depend on every key bit. The JIT emits the same
 * computation for keys whose size is a multiple of 4.
 */
export function keyHash(u8: Uint8Array, at: number, size: number): number {
  // The common u32 key, without the loop.
  if (size === 4) return keyHash32(u8[at] | (u8[at + 1] << 8) | (u8[at + 2] << 16) | (u8[at + 3] << 24));
  let h = 0;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const w = u8[at + i] | (u8[at + i + 1] << 8) | (u8[at + i + 2] << 16) | (u8[at + i + 3] << 24);
    h = Math.imul(((h << 5) | (h >>> 27)) ^ w, HASH_INDEX_MULTIPLIER);
  }
  if (i < size) {
    let w = 0;
    for (let s = 0; i < size; i++, s += 8) w |= u8[at + i] << s;
    h = Math.imul(((h << 5) | (h >>> 27)) ^ w, HASH_INDEX_MULTIPLIER);
  }
  h = Math.imul(h ^ (h >>> 16), FINAL_MIX_0);
  h = Math.imul(h ^ (h >>> 13), FINAL_MIX_1);
  return (h ^ (h >>> 16)) >>> 0;
}

/** `keyHash` of a 4-byte key given as its little-endian int32 word (rotl(0, 5) ^ word = word). */
export function keyHash32(word: number): number {
  let h = Math.imul(word, HASH_INDEX_MULTIPLIER);
  h = Math.imul(h ^ (h >>> 16), FINAL_MIX_0);
  h = Math.imul(h ^ (h >>> 13), FINAL_MIX_1);
  return (h ^ (h >>> 16)) >>> 0;
}
