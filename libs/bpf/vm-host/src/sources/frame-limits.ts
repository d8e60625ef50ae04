import { ETH_HLEN, SKB_HEADROOM, SKB_SHARED_INFO_SIZE, XDP_FRAME_SZ, XDP_PACKET_HEADROOM } from '@bpfleet/vm';
import type { SkipCounter } from './source.js';

/**
 * Largest frame the VM's packet contexts hold (one 4 KiB page minus headroom and shared info, as the
 * kernel's test run). Longer frames (GRO/TSO aggregates on a live interface, jumbo frames) are cut to
 * this, like a capture's snap length.
 */
export const MAX_VM_FRAME = Math.min(XDP_FRAME_SZ - XDP_PACKET_HEADROOM - SKB_SHARED_INFO_SIZE, XDP_FRAME_SZ - SKB_HEADROOM - SKB_SHARED_INFO_SIZE);

/** The frame as the VM can take it, or undefined (counted) when it cannot hold an Ethernet header. */
export function fitFrame(frame: Uint8Array, skipped: SkipCounter): Uint8Array | undefined {
  if (frame.length < ETH_HLEN) {
    skipped.add('shorter than an Ethernet header');
    return undefined;
  }
  if (frame.length > MAX_VM_FRAME) {
    skipped.add(`cut to ${MAX_VM_FRAME} bytes`);
    return frame.subarray(0, MAX_VM_FRAME);
  }
  return frame;
}
