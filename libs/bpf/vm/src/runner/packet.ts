import type { PacketAccess } from '../helpers/types.js';
import type { AddressSpace, Region } from '../memory/address-space.js';

/**
 * A packet inside the packet region: [meta, data, end) pointers that XDP helpers move, mirrored into
 * the context's pointer fields and into the region's live bounds (so accesses outside the current
 * packet fault even though the reservation is larger).
 */
export class PacketState implements PacketAccess {
  meta = 0;
  data = 0;
  end = 0;

  constructor(
    readonly kind: 'xdp' | 'skb',
    private readonly mem: AddressSpace,
    private readonly region: Region,
    readonly low: number,
    readonly high: number,
    /** Writes the pointers into the context (called on every move). */
    private readonly publish: (p: PacketState) => void,
  ) {}

  move(meta: number, data: number, end: number): void {
    this.meta = meta;
    this.data = data;
    this.end = end;
    this.mem.setBounds(this.region, Math.min(meta, data), end);
    this.publish(this);
  }

  bytes(from = this.meta): Uint8Array {
    return this.mem.u8.slice(from, this.end);
  }
}
