import { BpfMapType } from '@bpfleet/elf';

const perCpuTypes = new Set<number>([
  BpfMapType.PERCPU_HASH,
  BpfMapType.PERCPU_ARRAY,
  BpfMapType.LRU_PERCPU_HASH,
  BpfMapType.PERCPU_CGROUP_STORAGE,
]);

// Maps whose contents cannot be read as key -> value from user space.
const unreadableTypes = new Set<number>([
  BpfMapType.RINGBUF,
  BpfMapType.USER_RINGBUF,
  BpfMapType.PERF_EVENT_ARRAY,
  BpfMapType.PROG_ARRAY,
  BpfMapType.QUEUE,
  BpfMapType.STACK,
  BpfMapType.BLOOM_FILTER,
  BpfMapType.STRUCT_OPS,
  BpfMapType.ARENA,
  BpfMapType.SK_STORAGE,
  BpfMapType.INODE_STORAGE,
  BpfMapType.TASK_STORAGE,
  BpfMapType.CGRP_STORAGE,
  BpfMapType.SOCKMAP,
  BpfMapType.SOCKHASH,
  BpfMapType.XSKMAP,
  BpfMapType.ARRAY_OF_MAPS,
  BpfMapType.HASH_OF_MAPS,
]);

/** Per-CPU maps hold one value per possible CPU. */
export function isPerCpu(type: number): boolean {
  return perCpuTypes.has(type);
}

/** Whether user space can iterate and read the map as key -> value. */
export function isReadable(type: number): boolean {
  return !unreadableTypes.has(type);
}

/** Bytes user space exchanges for one value: per-CPU values are 8-byte aligned slots, one per CPU. */
export function userValueSize(type: number, valueSize: number, possibleCpus: number): number {
  return isPerCpu(type) ? Math.ceil(valueSize / 8) * 8 * possibleCpus : valueSize;
}

/** Splits a per-CPU value (as lookups return it) into one value per CPU. */
export function splitPerCpu(value: Uint8Array, valueSize: number, possibleCpus: number): Uint8Array[] {
  const stride = Math.ceil(valueSize / 8) * 8;
  const out: Uint8Array[] = [];
  for (let cpu = 0; cpu < possibleCpus; cpu++) out.push(value.subarray(cpu * stride, cpu * stride + valueSize));
  return out;
}

/** What the kernel reports for a map (`struct bpf_map_info`, first fields). */
export interface MapInfo {
  readonly id: number;
  readonly type: number;
  readonly name: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly btfKeyTypeId: number;
  readonly btfValueTypeId: number;
}

/** What the kernel reports for a program (`struct bpf_prog_info`, the fields we use). */
export interface ProgramInfo {
  readonly id: number;
  readonly type: number;
  readonly name: string;
  /** 8-byte program tag as hex. */
  readonly tag: string;
  readonly xlatedLength: number;
  readonly jitedLength: number;
  /** Runs and total run time; zero unless bpf_stats_enabled is on. */
  readonly runCount: bigint;
  readonly runTimeNs: bigint;
  readonly verifiedInsns: number;
}

function cName(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end < 0 ? bytes.length : end)).toString('utf8');
}

/** Decodes `struct bpf_map_info` (uapi layout). */
export function decodeMapInfo(b: Uint8Array): MapInfo {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    type: v.getUint32(0, true),
    id: v.getUint32(4, true),
    keySize: v.getUint32(8, true),
    valueSize: v.getUint32(12, true),
    maxEntries: v.getUint32(16, true),
    flags: v.getUint32(20, true),
    name: cName(b.subarray(24, 40)),
    btfKeyTypeId: b.byteLength >= 76 ? v.getUint32(68, true) : 0,
    btfValueTypeId: b.byteLength >= 76 ? v.getUint32(72, true) : 0,
  };
}

/** Decodes `struct bpf_prog_info` (uapi layout). */
export function decodeProgramInfo(b: Uint8Array): ProgramInfo {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    type: v.getUint32(0, true),
    id: v.getUint32(4, true),
    tag: Buffer.from(b.subarray(8, 16)).toString('hex'),
    jitedLength: v.getUint32(16, true),
    xlatedLength: v.getUint32(20, true),
    name: cName(b.subarray(64, 80)),
    runTimeNs: b.byteLength >= 208 ? v.getBigUint64(192, true) : 0n,
    runCount: b.byteLength >= 208 ? v.getBigUint64(200, true) : 0n,
    verifiedInsns: b.byteLength >= 220 ? v.getUint32(216, true) : 0,
  };
}
