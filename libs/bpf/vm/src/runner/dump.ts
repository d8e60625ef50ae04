import { BpfMapType } from '@bpfleet/elf';
import type { VmMap } from '../maps/map.js';

/** Map types whose contents are not key/value pairs a dump can show (as for the kernel's lookups). */
const UNDUMPABLE = new Set<BpfMapType>([BpfMapType.RINGBUF, BpfMapType.PERF_EVENT_ARRAY, BpfMapType.PROG_ARRAY, BpfMapType.QUEUE, BpfMapType.STACK]);

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Every dumpable map as name -> key hex -> value hex (raw little-endian bytes; per-CPU values
 * concatenated CPU by CPU, each padded to 8 bytes), the shape `bpfleet run --json` prints.
 */
export function dumpMaps(maps: readonly VmMap[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const map of maps) {
    if (UNDUMPABLE.has(map.type)) continue;
    const entries: Record<string, string> = {};
    for (const [key, value] of map.entries()) entries[toHex(key)] = toHex(value);
    out[map.name] = entries;
  }
  return out;
}
