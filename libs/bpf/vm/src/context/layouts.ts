/**
 * Context layouts as the kernel's UAPI defines them (include/uapi/linux/bpf.h), byte offsets.
 * Pointer fields (`data`, `data_end`, `data_meta`) are u32 in the UAPI struct and the kernel's
 * verifier rewrites loads of them into real pointer loads; in the VM a linear address always fits in
 * 32 bits, so storing the address in the u32 field gives programs the same pointer without a rewrite.
 */
export const XDP_MD = {
  size: 24,
  data: 0,
  data_end: 4,
  data_meta: 8,
  ingress_ifindex: 12,
  rx_queue_index: 16,
  egress_ifindex: 20,
} as const;

export const SK_BUFF = {
  size: 192,
  len: 0,
  pkt_type: 4,
  mark: 8,
  queue_mapping: 12,
  protocol: 16,
  vlan_present: 20,
  vlan_tci: 24,
  vlan_proto: 28,
  priority: 32,
  ingress_ifindex: 36,
  ifindex: 40,
  tc_index: 44,
  cb: 48,
  cbSize: 20,
  hash: 68,
  tc_classid: 72,
  data: 76,
  data_end: 80,
  napi_id: 84,
  family: 88,
  remote_ip4: 92,
  local_ip4: 96,
  remote_ip6: 100,
  local_ip6: 116,
  remote_port: 132,
  local_port: 136,
  data_meta: 140,
  flow_keys: 144,
  tstamp: 152,
  wire_len: 160,
  gso_segs: 164,
  sk: 168,
  gso_size: 176,
  tstamp_type: 180,
  hwtstamp: 184,
} as const;

/** `struct pt_regs` (x86-64) as kprobe and perf_event programs see it: 21 u64 registers. */
export const PT_REGS_X86_64 = {
  size: 168,
  r15: 0,
  r14: 8,
  r13: 16,
  r12: 24,
  bp: 32,
  bx: 40,
  r11: 48,
  r10: 56,
  r9: 64,
  r8: 72,
  ax: 80,
  cx: 88,
  dx: 96,
  si: 104,
  di: 112,
  orig_ax: 120,
  ip: 128,
  cs: 136,
  flags: 144,
  sp: 152,
  ss: 160,
} as const;

/** Most arguments a raw tracepoint passes (`u64 args[]`; MAX_BPF_FUNC_ARGS). */
export const RAW_TP_MAX_ARGS = 12;

/** Packet layout of the kernel's BPF_PROG_TEST_RUN. */
export const XDP_PACKET_HEADROOM = 256;
/** sizeof(struct xdp_frame): the part of the headroom adjust_head/meta can never reach. */
export const XDP_FRAME_SIZE = 40;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64. */
export const SKB_SHARED_INFO_SIZE = 320;
/** The XDP test frame is one page. */
export const XDP_FRAME_SZ = 4096;
/** Test-run skb headroom: NET_SKB_PAD (64) + NET_IP_ALIGN (0 on x86). */
export const SKB_HEADROOM = 64;
export const ETH_HLEN = 14;
/** The loopback device's ifindex, which test runs use. */
export const LOOPBACK_IFINDEX = 1;
