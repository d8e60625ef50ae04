import type { BpfMapSpec } from '@bpfleet/elf';
import { E2BIG, EINVAL, ENOENT } from './errno.js';
import { MapError, type MapEnvironment, VmMap } from './map.js';

/** `BPF_F_CURRENT_CPU`: index = the CPU the program runs on. */
export const BPF_F_CURRENT_CPU = 0xffff_ffff;
/** Records kept per CPU before the oldest are dropped (and counted as lost). */
export const PERF_BUFFER_RECORDS = 4096;

export interface PerfRecord {
  readonly cpu: number;
  readonly data: Uint8Array;
}

/**
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: `bpf_perf_event_output` appends a sample to the per-CPU buffer at
 * the index the flags name; the host drains them (like perf_buffer__poll). Indices below the CPU
 * count are "open"; other indices give -ENOENT as when no perf event fd is stored there.
 */
export class PerfEventArrayMap extends VmMap {
  readonly region = undefined;
  private readonly buffers: PerfRecord[][] = [];
  /** Samples dropped because a buffer was full, per CPU. */
  readonly lost: number[] = [];

  constructor(index: number, spec: BpfMapSpec, private readonly env: MapEnvironment) {
    super(index, spec);
    for (let c = 0; c < env.cpus; c++) {
      this.buffers.push([]);
      this.lost.push(0);
    }
  }

  /** Program side of bpf_perf_event_output: 0 or -errno. */
  output(flags: bigint, data: Uint8Array, cpu: number): number {
    const indexField = Number(flags & 0xffff_ffffn);
    if ((flags >> 32n) & 0xffff_ffffn) return -EINVAL;
    const index = indexField === BPF_F_CURRENT_CPU ? cpu : indexField;
    const max = this.spec.maxEntries > 0 ? this.spec.maxEntries : this.env.cpus;
    if (index >= max) return -E2BIG;
    if (index >= this.env.cpus) return -ENOENT;
    const buffer = this.buffers[index];
    if (buffer.length >= PERF_BUFFER_RECORDS) {
      this.lost[index]++;
      return 0;
    }
    buffer.push({ cpu: index, data });
    return 0;
  }

  /** Consumer side: every pending record, CPU by CPU, in order; empties the buffers. */
  drain(): PerfRecord[] {
    const all: PerfRecord[] = [];
    for (const buffer of this.buffers) all.push(...buffer.splice(0));
    return all;
  }

  lookup(): Uint8Array | undefined {
    return undefined;
  }
  update(): void {
    throw new MapError(this.name, 'update', EINVAL, 'perf event arrays hold perf event fds, not data');
  }
  delete(): void {
    throw new MapError(this.name, 'delete', EINVAL, 'perf event arrays hold perf event fds, not data');
  }
  *entries(): Iterable<[Uint8Array, Uint8Array]> {}
}
