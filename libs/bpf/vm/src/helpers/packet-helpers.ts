import { EFAULT, EINVAL } from '../maps/errno.js';
import { PERM_READ } from '../memory/layout.js';
import { csumAdd, csumFold, csumPartial, csumSub } from './checksum.js';
import { err, helper, type HelperRuntime } from './runtime.js';
import type { Helper, PacketAccess, VmContext } from './types.js';

/** Return codes of redirects. */
const XDP_REDIRECT = 4;
const TC_ACT_SHOT = 2;
const TC_ACT_REDIRECT = 7;
/** Ethernet header length: XDP never lets a packet shrink below it. */
const ETH_HLEN = 14;
/** Longest XDP metadata area. */
const XDP_META_MAX = 32;
const EACCES = 13;
/** l3/l4_csum_replace flags. */
const BPF_F_HDR_FIELD_MASK = 0xf;
const BPF_F_PSEUDO_HDR = 0x10;
const BPF_F_MARK_MANGLED_0 = 0x20;
const BPF_F_MARK_ENFORCE = 0x40;
const CSUM_MANGLED_0 = 0xffff;

function packetOf(vm: VmContext, kind: 'xdp' | 'skb'): PacketAccess | undefined {
  return vm.packet && vm.packet.kind === kind ? vm.packet : undefined;
}

/** Replaces the 16-bit checksum at `at` (network order) for a `from` -> `to` change. */
function replaceChecksum(vm: VmContext, at: number, from: bigint, to: bigint, size: number, mangled0: boolean): void {
  const view = vm.mem.view;
  const old = view.getUint16(at, false);
  if (mangled0 && old === 0) return;
  let sum = ~old & 0xffff;
  if (size === 0) {
    sum = csumAdd(sum, Number(to & 0xffffffffn));
  } else if (size === 2) {
    sum = csumAdd(csumSub(sum, Number(from & 0xffffn)), Number(to & 0xffffn));
  } else {
    // Values arrive as the program holds them (network-order bytes in a little-endian register).
    sum = csumAdd(csumSub(sum, swap32(Number(from & 0xffffffffn))), swap32(Number(to & 0xffffffffn)));
  }
  let folded = csumFold(sum);
  if (mangled0 && folded === 0) folded = CSUM_MANGLED_0;
  view.setUint16(at, folded, false);
}

function swap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/** skb data access, XDP head/tail/meta moves, checksums and (recorded) redirects. */
export function packetHelpers(rt: HelperRuntime): Helper[] {
  const { mem } = rt;
  return [
    helper('skb_load_bytes', (vm, _skb, offset, to, len) => {
      const p = packetOf(vm, 'skb');
      const n = Number(len);
      if (!p || offset > 0xffffn || len > 0xffffn || p.data + Number(offset) + n > p.end || n === 0) {
        if (n > 0) mem.u8.fill(0, mem.checkBig(to, n, 2), mem.checkBig(to, n, 2) + n);
        return err(EFAULT);
      }
      const dst = mem.checkBig(to, n, 2);
      mem.u8.copyWithin(dst, p.data + Number(offset), p.data + Number(offset) + n);
      return 0n;
    }),
    helper('skb_store_bytes', (vm, _skb, offset, from, len, flags) => {
      const p = packetOf(vm, 'skb');
      const n = Number(len);
      if (flags & ~3n) return err(EINVAL);
      if (!p || offset > 0xffffn || len > 0xffffn || p.data + Number(offset) + n > p.end) return err(EFAULT);
      const src = mem.checkBig(from, n, PERM_READ);
      mem.u8.copyWithin(p.data + Number(offset), src, src + n);
      return 0n;
    }),
    helper('l3_csum_replace', (vm, _skb, offset, from, to, flags) => {
      const p = packetOf(vm, 'skb');
      const size = Number(flags & BigInt(BPF_F_HDR_FIELD_MASK));
      if (flags & ~BigInt(BPF_F_HDR_FIELD_MASK)) return err(EINVAL);
      if (size !== 0 && size !== 2 && size !== 4) return err(EINVAL);
      if (!p || p.data + Number(offset) + 2 > p.end) return err(EFAULT);
      replaceChecksum(vm, p.data + Number(offset), from, to, size, false);
      return 0n;
    }),
    helper('l4_csum_replace', (vm, _skb, offset, from, to, flags) => {
      const p = packetOf(vm, 'skb');
      const f = Number(flags & 0xffffffffn);
      const size = f & BPF_F_HDR_FIELD_MASK;
      if (f & ~(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR | BPF_F_HDR_FIELD_MASK)) return err(EINVAL);
      if (size !== 0 && size !== 2 && size !== 4) return err(EINVAL);
      if (!p || p.data + Number(offset) + 2 > p.end) return err(EFAULT);
      replaceChecksum(vm, p.data + Number(offset), from, to, size, (f & BPF_F_MARK_MANGLED_0) !== 0);
      return 0n;
    }),
    helper('csum_diff', (_vm, from, fromSize, to, toSize, seed) => {
      if ((fromSize & 3n) !== 0n || (toSize & 3n) !== 0n || fromSize > 512n || toSize > 512n) return err(EINVAL);
      const fromBytes = mem.readBytes(from, Number(fromSize));
      const toBytes = mem.readBytes(to, Number(toSize));
      const scratch = new Uint8Array(fromBytes.length + toBytes.length);
      scratch.set(fromBytes.map((b) => ~b & 0xff));
      scratch.set(toBytes, fromBytes.length);
      // Kernels since 6.12 fold the result to 16 bits on every architecture (not complemented).
      const sum = csumPartial(scratch, Number(seed & 0xffffffffn));
      return BigInt(~csumFold(sum) & 0xffff);
    }),
    helper('redirect', (vm, ifindex, flags) => {
      vm.redirects.push({ helper: 'redirect', target: ifindex, flags });
      if (vm.packet?.kind === 'xdp') return BigInt(XDP_REDIRECT);
      return BigInt(flags & ~3n ? TC_ACT_SHOT : TC_ACT_REDIRECT);
    }),
    helper('redirect_map', (vm, _map, key, flags) => {
      vm.redirects.push({ helper: 'redirect_map', target: key, flags });
      // The VM has no device maps, so the lookup always misses: the low flag bits are the fallback.
      return flags & 3n;
    }),
    helper('xdp_adjust_head', (vm, _ctx, delta) => {
      const p = packetOf(vm, 'xdp');
      if (!p) return err(EINVAL);
      const d = Number(BigInt.asIntN(32, delta));
      const metaLen = p.data - p.meta;
      const data = p.data + d;
      if (data < p.low + metaLen || data > p.end - ETH_HLEN) return err(EINVAL);
      if (metaLen > 0) mem.u8.copyWithin(p.meta + d, p.meta, p.data);
      p.move(p.meta + d, data, p.end);
      return 0n;
    }),
    helper('xdp_adjust_meta', (vm, _ctx, delta) => {
      const p = packetOf(vm, 'xdp');
      if (!p) return err(EINVAL);
      const meta = p.meta + Number(BigInt.asIntN(32, delta));
      const metaLen = p.data - meta;
      if (meta < p.low || meta > p.data) return err(EINVAL);
      if ((metaLen & 3) !== 0 || metaLen > XDP_META_MAX) return err(EACCES);
      p.move(meta, p.data, p.end);
      return 0n;
    }),
    helper('xdp_adjust_tail', (vm, _ctx, delta) => {
      const p = packetOf(vm, 'xdp');
      if (!p) return err(EINVAL);
      const d = Number(BigInt.asIntN(32, delta));
      const end = p.end + d;
      if (end > p.high) return err(EINVAL);
      if (end - p.data < ETH_HLEN) return err(EINVAL);
      if (d > 0) mem.u8.fill(0, p.end, end);
      p.move(p.meta, p.data, end);
      return 0n;
    }),
  ];
}
