import { BpfProgType } from '@bpfleet/elf';
import { RegType } from '../state/reg.js';

/** What a valid context load yields: a scalar, or a packet pointer the kernel rewrites the field into. */
export interface CtxAccess {
  readonly ok: boolean;
  readonly regType: RegType;
  /** The loaded pointer may be NULL (e.g. __sk_buff->sk). */
  readonly maybeNull?: boolean;
}

const DENY: CtxAccess = { ok: false, regType: RegType.SCALAR };
const SCALAR: CtxAccess = { ok: true, regType: RegType.SCALAR };

/** struct __sk_buff field offsets (uapi/linux/bpf.h). */
const SKB = {
  len: 0,
  mark: 8,
  queue_mapping: 12,
  priority: 32,
  tc_index: 44,
  cb0: 48,
  cb4End: 68,
  tc_classid: 72,
  data: 76,
  data_end: 80,
  family: 88,
  remote_ip4: 92,
  local_ip4: 96,
  remote_ip6: 100,
  local_ip6: 116,
  local_portEnd: 140,
  data_meta: 140,
  flow_keys: 144,
  tstamp: 152,
  wire_len: 160,
  sk: 168,
  tstamp_type: 180,
  hwtstamp: 184,
  size: 192,
};

const inRange = (off: number, start: number, size: number): boolean => off >= start && off < start + size;
/** bpf_ctx_narrow_access_ok: 1/2/4-byte (or the full field) aligned reads inside a field. */
const narrowOk = (off: number, size: number, fieldSize: number): boolean => size <= fieldSize && off % size === 0;

/** bpf_skb_is_valid_access: the checks common to every __sk_buff program type. */
function skbCommon(off: number, size: number, write: boolean): CtxAccess {
  if (off < 0 || off >= SKB.size) return DENY;
  if (off % size !== 0) return DENY;
  if (off >= SKB.cb0 && off < SKB.cb4End) {
    if (off + size > SKB.cb4End) return DENY;
    return SCALAR;
  }
  if (
    inRange(off, SKB.remote_ip6, 16) ||
    inRange(off, SKB.local_ip6, 16) ||
    inRange(off, SKB.remote_ip4, 4) ||
    inRange(off, SKB.local_ip4, 4) ||
    inRange(off, SKB.data, 4) ||
    inRange(off, SKB.data_meta, 4) ||
    inRange(off, SKB.data_end, 4)
  ) {
    return size === 4 ? SCALAR : DENY;
  }
  if (inRange(off, SKB.flow_keys, 8)) return DENY;
  if (inRange(off, SKB.hwtstamp, 8)) return write || size !== 8 ? DENY : SCALAR;
  if (inRange(off, SKB.tstamp, 8)) return size !== 8 ? DENY : SCALAR;
  if (off === SKB.sk) return write || size !== 8 ? DENY : { ok: true, regType: RegType.PTR_TO_SOCK_COMMON, maybeNull: true };
  if (inRange(off, SKB.sk, 8)) return DENY;
  if (off >= SKB.tstamp_type && off < SKB.hwtstamp) return DENY;
  if (write) return size === 4 ? SCALAR : DENY;
  return narrowOk(off, size, 4) ? SCALAR : DENY;
}

function withPacketType(off: number, a: CtxAccess): CtxAccess {
  if (!a.ok) return a;
  if (off === SKB.data) return { ok: true, regType: RegType.PTR_TO_PACKET };
  if (off === SKB.data_end) return { ok: true, regType: RegType.PTR_TO_PACKET_END };
  if (off === SKB.data_meta) return { ok: true, regType: RegType.PTR_TO_PACKET_META };
  return a;
}

function socketFilter(off: number, size: number, write: boolean): CtxAccess {
  if (
    inRange(off, SKB.tc_classid, 4) ||
    inRange(off, SKB.data, 4) ||
    inRange(off, SKB.data_meta, 4) ||
    inRange(off, SKB.data_end, 4) ||
    (off >= SKB.family && off < SKB.local_portEnd) ||
    inRange(off, SKB.tstamp, 8) ||
    inRange(off, SKB.wire_len, 4) ||
    inRange(off, SKB.hwtstamp, 8)
  ) {
    return DENY;
  }
  if (write && !(off >= SKB.cb0 && off < SKB.cb4End)) return DENY;
  return skbCommon(off, size, write);
}

function tcClsAct(off: number, size: number, write: boolean): CtxAccess {
  if (write) {
    const writable =
      inRange(off, SKB.mark, 4) ||
      inRange(off, SKB.tc_index, 4) ||
      inRange(off, SKB.priority, 4) ||
      inRange(off, SKB.tc_classid, 4) ||
      (off >= SKB.cb0 && off < SKB.cb4End) ||
      inRange(off, SKB.tstamp, 8) ||
      inRange(off, SKB.queue_mapping, 4);
    if (!writable) return DENY;
  }
  if (off >= SKB.family && off < SKB.local_portEnd) return DENY;
  return withPacketType(off, skbCommon(off, size, write));
}

function cgroupSkb(off: number, size: number, write: boolean, privileged: boolean): CtxAccess {
  if (inRange(off, SKB.tc_classid, 4) || inRange(off, SKB.data_meta, 4) || inRange(off, SKB.wire_len, 4)) return DENY;
  if ((inRange(off, SKB.data, 4) || inRange(off, SKB.data_end, 4)) && !privileged) return DENY;
  if (write) {
    const writable =
      inRange(off, SKB.mark, 4) ||
      inRange(off, SKB.priority, 4) ||
      (off >= SKB.cb0 && off < SKB.cb4End) ||
      (inRange(off, SKB.tstamp, 8) && privileged);
    if (!writable) return DENY;
  }
  const a = skbCommon(off, size, write);
  if (!a.ok) return a;
  if (off === SKB.data) return { ok: true, regType: RegType.PTR_TO_PACKET };
  if (off === SKB.data_end) return { ok: true, regType: RegType.PTR_TO_PACKET_END };
  return a;
}

/** struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex. */
function xdp(off: number, size: number, write: boolean): CtxAccess {
  if (off === 20) return DENY; // egress_ifindex: devmap programs only
  if (write) return DENY;
  if (off < 0 || off >= 24 || off % size !== 0 || size !== 4) return DENY;
  if (off === 0) return { ok: true, regType: RegType.PTR_TO_PACKET };
  if (off === 4) return { ok: true, regType: RegType.PTR_TO_PACKET_END };
  if (off === 8) return { ok: true, regType: RegType.PTR_TO_PACKET_META };
  return SCALAR;
}

const PT_REGS_SIZE = 21 * 8;

/**
 * is_valid_access per program type: may a `size`-byte read/write at `off` of the context happen, and what
 * does it load?
 */
export function ctxAccess(type: BpfProgType, off: number, size: number, write: boolean, privileged: boolean): CtxAccess {
  switch (type) {
    case BpfProgType.SOCKET_FILTER:
      return socketFilter(off, size, write);
    case BpfProgType.SCHED_CLS:
    case BpfProgType.SCHED_ACT:
      return tcClsAct(off, size, write);
    case BpfProgType.CGROUP_SKB:
      return cgroupSkb(off, size, write, privileged);
    case BpfProgType.XDP:
      return xdp(off, size, write);
    case BpfProgType.TRACEPOINT:
      // The first 8 bytes hold the common fields, which programs may not read.
      if (off < 8 || off >= 8192 || write || off % size !== 0) return DENY;
      return SCALAR;
    case BpfProgType.RAW_TRACEPOINT:
    case BpfProgType.TRACING:
      if (off < 0 || off >= 8 * 12 || write || off % size !== 0) return DENY;
      return SCALAR;
    case BpfProgType.KPROBE:
      if (off < 0 || off >= PT_REGS_SIZE || write || off % size !== 0 || off + size > PT_REGS_SIZE) return DENY;
      return SCALAR;
    case BpfProgType.PERF_EVENT: {
      // struct bpf_perf_event_data: pt_regs, then u64 sample_period and u64 addr.
      if (off < 0 || off >= PT_REGS_SIZE + 16 || write || off % size !== 0) return DENY;
      if (off >= PT_REGS_SIZE) return narrowOk(off, size, 8) ? SCALAR : DENY;
      return size === 8 ? SCALAR : DENY;
    }
    case BpfProgType.SYSCALL:
      if (off < 0 || off >= 0xffff || off % size !== 0) return DENY;
      return SCALAR;
    default:
      return DENY;
  }
}

/** Size of the context object programs of a type see (for logs and the VM). */
export function ctxSize(type: BpfProgType): number {
  switch (type) {
    case BpfProgType.SOCKET_FILTER:
    case BpfProgType.SCHED_CLS:
    case BpfProgType.SCHED_ACT:
    case BpfProgType.CGROUP_SKB:
      return SKB.size;
    case BpfProgType.XDP:
      return 24;
    case BpfProgType.KPROBE:
      return PT_REGS_SIZE;
    case BpfProgType.PERF_EVENT:
      return PT_REGS_SIZE + 16;
    default:
      return 8192;
  }
}
