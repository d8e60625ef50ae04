import { ArrayMap } from '../maps/array.js';
import { HashMap } from '../maps/hash.js';
import type { VmMap } from '../maps/map.js';

/*
 * What the interpreter knows about each map of its VM, for the map helpers it runs inline:
 * LAYOUT_WORDS int32 words per map index (the interpreter's loop writes these numbers as literals,
 * checked where it is defined). Word 0 is the kind: 0 (neither lookup nor update inline: the helper
 * runs), MAP_ARRAY, MAP_HASH32 or MAP_HASH.
 */

/** Array (per-CPU too): value address computed from the index. */
export const MAP_ARRAY = 1;
/** Hash map with a 4-byte key, one value per element, no LRU order: its key index probed inline. */
export const MAP_HASH32 = 2;
/** Other hash maps: the map's own in-place lookup, without the helper's dispatch. */
export const MAP_HASH = 3;
export const LAYOUT_WORDS = 10;
export const L_KEY_SIZE = 1;
export const L_VALUE_SIZE = 2;
export const L_MAX_ENTRIES = 3;
/** First value (array, hash values). */
export const L_BASE = 4;
/** Bytes from one element's values to the next's. */
export const L_STRIDE = 5;
/** Bytes from one CPU's copy of a value to the next's (0: one copy). */
export const L_CPU_STRIDE = 6;
/** Hash index (see HashIndexLayout): bucket table, bucket mask, stored keys. */
export const L_TABLE = 7;
export const L_MASK = 8;
export const L_KEYS = 9;

/** The layout words of `maps` (index = map index). */
export function mapLayouts(maps: readonly VmMap[]): Int32Array {
  const layout = new Int32Array(maps.length * LAYOUT_WORDS);
  maps.forEach((map, m) => {
    const l = m * LAYOUT_WORDS;
    layout[l + L_KEY_SIZE] = map.spec.keySize;
    layout[l + L_VALUE_SIZE] = map.spec.valueSize;
    layout[l + L_MAX_ENTRIES] = map.spec.maxEntries;
    if (map instanceof ArrayMap) {
      layout[l] = MAP_ARRAY;
      layout[l + L_BASE] = map.valueAddress(0);
      layout[l + L_STRIDE] = map.stride * map.copies;
      layout[l + L_CPU_STRIDE] = map.copies === 1 ? 0 : map.stride;
      return;
    }
    if (!(map instanceof HashMap)) return;
    const inline = map.inlineLookup;
    if (inline && inline.keySize === 4 && inline.keyStride === 4) {
      layout[l] = MAP_HASH32;
      layout[l + L_BASE] = inline.valuesBase;
      layout[l + L_STRIDE] = inline.valueStride;
      layout[l + L_TABLE] = inline.tableBase;
      layout[l + L_MASK] = inline.mask;
      layout[l + L_KEYS] = inline.keysBase;
      return;
    }
    layout[l] = MAP_HASH;
  });
  return layout;
}
