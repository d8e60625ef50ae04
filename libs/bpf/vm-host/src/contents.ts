import { BpfMapType, type BpfMapSpec, type BpfObject, type BpfProgramSpec } from '@bpfleet/elf';

/** One map's raw contents as a runtime read them: values of per-CPU maps are all CPUs concatenated, 8-byte slots. */
export interface RawMap {
  readonly spec: BpfMapSpec;
  readonly perCpu: boolean;
  readonly cpus: number;
  readonly entries: readonly { readonly key: Uint8Array; readonly value: Uint8Array }[];
}

/** One ring-buffer record as read, with its arrival time (ns since the epoch). */
export interface RawEvent {
  readonly map: string;
  readonly ts: bigint;
  readonly bytes: Uint8Array;
}

/** Run counters for one loaded object (sums over its programs). */
export interface RunStats {
  readonly runCount: number;
  readonly runTimeNs: number;
}

/** Map types whose contents are data worth streaming (not program arrays, rings, maps of maps). */
const STREAMED = new Set<BpfMapType>([
  BpfMapType.HASH,
  BpfMapType.ARRAY,
  BpfMapType.PERCPU_HASH,
  BpfMapType.PERCPU_ARRAY,
  BpfMapType.LRU_HASH,
  BpfMapType.LRU_PERCPU_HASH,
  BpfMapType.LPM_TRIE,
]);

export function isStreamed(spec: BpfMapSpec): boolean {
  return STREAMED.has(spec.type) && spec.origin !== 'rodata' && spec.origin !== 'kconfig';
}

export function isPerCpuType(type: BpfMapType): boolean {
  return type === BpfMapType.PERCPU_HASH || type === BpfMapType.PERCPU_ARRAY || type === BpfMapType.LRU_PERCPU_HASH;
}

/** The programs libbpf would load from this object (those not marked `autoload = false`). */
export function autoloadPrograms(object: BpfObject): BpfProgramSpec[] {
  return object.programs.filter((p) => p.autoload !== false);
}
