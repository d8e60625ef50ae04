import type { BpfMapSpec } from '@bpfleet/elf';
import type { Region } from '../memory/address-space.js';
import { PERM_RW, RegionKind } from '../memory/layout.js';
import { EINVAL } from './errno.js';
import { MapError, type MapEnvironment, VmMap } from './map.js';

/** Record header bits (kernel/bpf/ringbuf.c). */
export const RINGBUF_BUSY_BIT = 0x8000_0000;
export const RINGBUF_DISCARD_BIT = 0x4000_0000;
export const RINGBUF_HDR_SIZE = 8;

/** `bpf_ringbuf_query` flags. */
export const BPF_RB_AVAIL_DATA = 0;
export const BPF_RB_RING_SIZE = 1;
export const BPF_RB_CONS_POS = 2;
export const BPF_RB_PROD_POS = 3;

/**
 * BPF_MAP_TYPE_RINGBUF with the kernel's record format: an 8-byte header (u32 length with BUSY and
 * DISCARD bits, u32 page offset) before each sample, samples 8-byte aligned, positions that only
 * grow, and a reservation that fails when it would overrun the consumer. The kernel maps the data
 * pages twice so a record that wraps is still contiguous; here the region is twice the ring size and
 * the part of a record written past the end is folded back to the start when it is committed.
 */
export class RingBufMap extends VmMap {
  readonly region: Region;
  private readonly size: number;
  private readonly mask: number;
  private producer = 0;
  private consumer = 0;
  /** Reserved but not yet committed records (by position), so commits can fold wrapped tails. */
  private readonly pending = new Map<number, number>();

  constructor(index: number, spec: BpfMapSpec, private readonly env: MapEnvironment) {
    super(index, spec);
    const size = spec.maxEntries;
    if (size < 4096 || (size & (size - 1)) !== 0) {
      throw new MapError(spec.name, 'create', EINVAL, `ring buffer size ${size} must be a power of 2 and at least a page`);
    }
    this.size = size;
    this.mask = size - 1;
    this.region = env.mem.allocate(`ringbuf ${spec.name}`, RegionKind.RingBuffer, size * 2, PERM_RW);
  }

  /** Reserves `len` bytes; returns the sample's address or 0 (kernel: NULL). */
  reserve(len: number): number {
    if (len <= 0 || len > this.size - RINGBUF_HDR_SIZE) return 0;
    const total = (len + RINGBUF_HDR_SIZE + 7) & ~7;
    if (this.producer + total - this.consumer > this.size) return 0;
    const pos = this.producer;
    const at = this.region.base + (pos & this.mask);
    const view = this.env.mem.view;
    view.setUint32(at, (len | RINGBUF_BUSY_BIT) >>> 0, true);
    view.setUint32(at + 4, 0, true);
    this.producer += total;
    this.pending.set(at + RINGBUF_HDR_SIZE, pos);
    return at + RINGBUF_HDR_SIZE;
  }

  /** Commits a reserved sample (submit or discard). Returns false when `sample` is not pending. */
  commit(sample: number, discard: boolean): boolean {
    const pos = this.pending.get(sample);
    if (pos === undefined) return false;
    this.pending.delete(sample);
    const view = this.env.mem.view;
    const at = sample - RINGBUF_HDR_SIZE;
    const len = view.getUint32(at, true) & ~(RINGBUF_BUSY_BIT | RINGBUF_DISCARD_BIT);
    const end = at + RINGBUF_HDR_SIZE + len;
    const ringEnd = this.region.base + this.size;
    if (end > ringEnd) {
      // Fold the part written into the mirror back to the start of the ring.
      const u8 = this.env.mem.u8;
      u8.copyWithin(this.region.base, ringEnd, end);
    }
    view.setUint32(at, (len | (discard ? RINGBUF_DISCARD_BIT : 0)) >>> 0, true);
    return true;
  }

  /** Whether `address` is a sample reserved and not yet committed. */
  isPending(sample: number): boolean {
    return this.pending.has(sample);
  }

  /** `bpf_ringbuf_query`. */
  query(flags: number): bigint {
    switch (flags) {
      case BPF_RB_AVAIL_DATA:
        return BigInt(this.producer - this.consumer);
      case BPF_RB_RING_SIZE:
        return BigInt(this.size);
      case BPF_RB_CONS_POS:
        return BigInt(this.consumer);
      case BPF_RB_PROD_POS:
        return BigInt(this.producer);
      default:
        return 0n;
    }
  }

  /**
   * Consumer side (like libbpf's ring_buffer__consume): delivers committed samples in order, skips
   * discarded ones, stops at the first record still busy. Returns the number of samples delivered.
   */
  consume(onSample: (data: Uint8Array) => void): number {
    const view = this.env.mem.view;
    const u8 = this.env.mem.u8;
    let delivered = 0;
    while (this.consumer < this.producer) {
      const at = this.region.base + (this.consumer & this.mask);
      const header = view.getUint32(at, true);
      if ((header & RINGBUF_BUSY_BIT) !== 0) break;
      const len = header & ~(RINGBUF_BUSY_BIT | RINGBUF_DISCARD_BIT);
      if ((header & RINGBUF_DISCARD_BIT) === 0) {
        const sample = new Uint8Array(len);
        for (let i = 0; i < len; i++) sample[i] = u8[this.region.base + ((this.consumer + RINGBUF_HDR_SIZE + i) & this.mask)];
        onSample(sample);
        delivered++;
      }
      this.consumer += (len + RINGBUF_HDR_SIZE + 7) & ~7;
    }
    return delivered;
  }

  lookup(): Uint8Array | undefined {
    return undefined;
  }
  update(): void {
    throw new MapError(this.name, 'update', EINVAL, 'ring buffers have no elements');
  }
  delete(): void {
    throw new MapError(this.name, 'delete', EINVAL, 'ring buffers have no elements');
  }
  *entries(): Iterable<[Uint8Array, Uint8Array]> {}
}
