import { BpfProgType, type BpfAttachType } from './object.js';

/** `enum bpf_attach_type` (include/uapi/linux/bpf.h). */
export enum BpfAttach {
  CGROUP_INET_INGRESS = 0,
  CGROUP_INET_EGRESS = 1,
  CGROUP_INET_SOCK_CREATE = 2,
  CGROUP_SOCK_OPS = 3,
  SK_SKB_STREAM_PARSER = 4,
  SK_SKB_STREAM_VERDICT = 5,
  CGROUP_DEVICE = 6,
  SK_MSG_VERDICT = 7,
  CGROUP_INET4_BIND = 8,
  CGROUP_INET6_BIND = 9,
  CGROUP_INET4_CONNECT = 10,
  CGROUP_INET6_CONNECT = 11,
  CGROUP_INET4_POST_BIND = 12,
  CGROUP_INET6_POST_BIND = 13,
  CGROUP_UDP4_SENDMSG = 14,
  CGROUP_UDP6_SENDMSG = 15,
  LIRC_MODE2 = 16,
  FLOW_DISSECTOR = 17,
  CGROUP_SYSCTL = 18,
  CGROUP_UDP4_RECVMSG = 19,
  CGROUP_UDP6_RECVMSG = 20,
  CGROUP_GETSOCKOPT = 21,
  CGROUP_SETSOCKOPT = 22,
  TRACE_RAW_TP = 23,
  TRACE_FENTRY = 24,
  TRACE_FEXIT = 25,
  MODIFY_RETURN = 26,
  LSM_MAC = 27,
  TRACE_ITER = 28,
  CGROUP_INET4_GETPEERNAME = 29,
  CGROUP_INET6_GETPEERNAME = 30,
  CGROUP_INET4_GETSOCKNAME = 31,
  CGROUP_INET6_GETSOCKNAME = 32,
  XDP_DEVMAP = 33,
  CGROUP_INET_SOCK_RELEASE = 34,
  XDP_CPUMAP = 35,
  SK_LOOKUP = 36,
  XDP = 37,
  SK_SKB_VERDICT = 38,
  SK_REUSEPORT_SELECT = 39,
  SK_REUSEPORT_SELECT_OR_MIGRATE = 40,
  PERF_EVENT = 41,
  TRACE_KPROBE_MULTI = 42,
  LSM_CGROUP = 43,
  STRUCT_OPS = 44,
  NETFILTER = 45,
  TCX_INGRESS = 46,
  TCX_EGRESS = 47,
  TRACE_UPROBE_MULTI = 48,
  CGROUP_UNIX_CONNECT = 49,
  CGROUP_UNIX_SENDMSG = 50,
  CGROUP_UNIX_RECVMSG = 51,
  CGROUP_UNIX_GETPEERNAME = 52,
  CGROUP_UNIX_GETSOCKNAME = 53,
  NETKIT_PRIMARY = 54,
  NETKIT_PEER = 55,
  TRACE_KPROBE_SESSION = 56,
  TRACE_UPROBE_SESSION = 57,
}

/**
 * One row of libbpf's `section_defs` (libbpf.c). `sec` ending in `+` matches the exact name or
 * `name/extras`; ending in `/` matches any name with that prefix; otherwise the name must match exactly.
 */
export interface SectionDef {
  readonly sec: string;
  readonly type: BpfProgType;
  readonly attach?: BpfAttach;
  readonly sleepable?: boolean;
  /** `xdp.frags` style: the program may handle multi-buffer packets (BPF_F_XDP_HAS_FRAGS). */
  readonly xdpFrags?: boolean;
}

const T = BpfProgType;
const A = BpfAttach;
const S = true;

/** libbpf's table, in libbpf's order (first match wins). */
export const SECTION_DEFS: readonly SectionDef[] = [
  { sec: 'socket', type: T.SOCKET_FILTER },
  { sec: 'sk_reuseport/migrate', type: T.SK_REUSEPORT, attach: A.SK_REUSEPORT_SELECT_OR_MIGRATE },
  { sec: 'sk_reuseport', type: T.SK_REUSEPORT, attach: A.SK_REUSEPORT_SELECT },
  { sec: 'kprobe+', type: T.KPROBE },
  { sec: 'uprobe+', type: T.KPROBE },
  { sec: 'uprobe.s+', type: T.KPROBE, sleepable: S },
  { sec: 'kretprobe+', type: T.KPROBE },
  { sec: 'uretprobe+', type: T.KPROBE },
  { sec: 'uretprobe.s+', type: T.KPROBE, sleepable: S },
  { sec: 'kprobe.multi+', type: T.KPROBE, attach: A.TRACE_KPROBE_MULTI },
  { sec: 'kretprobe.multi+', type: T.KPROBE, attach: A.TRACE_KPROBE_MULTI },
  { sec: 'kprobe.session+', type: T.KPROBE, attach: A.TRACE_KPROBE_SESSION },
  { sec: 'uprobe.multi+', type: T.KPROBE, attach: A.TRACE_UPROBE_MULTI },
  { sec: 'uretprobe.multi+', type: T.KPROBE, attach: A.TRACE_UPROBE_MULTI },
  { sec: 'uprobe.multi.s+', type: T.KPROBE, attach: A.TRACE_UPROBE_MULTI, sleepable: S },
  { sec: 'uretprobe.multi.s+', type: T.KPROBE, attach: A.TRACE_UPROBE_MULTI, sleepable: S },
  { sec: 'uprobe.session+', type: T.KPROBE, attach: A.TRACE_UPROBE_SESSION },
  { sec: 'uprobe.session.s+', type: T.KPROBE, attach: A.TRACE_UPROBE_SESSION, sleepable: S },
  { sec: 'ksyscall+', type: T.KPROBE },
  { sec: 'kretsyscall+', type: T.KPROBE },
  { sec: 'usdt+', type: T.KPROBE },
  { sec: 'usdt.s+', type: T.KPROBE, sleepable: S },
  { sec: 'tc/ingress', type: T.SCHED_CLS, attach: A.TCX_INGRESS },
  { sec: 'tc/egress', type: T.SCHED_CLS, attach: A.TCX_EGRESS },
  { sec: 'tcx/ingress', type: T.SCHED_CLS, attach: A.TCX_INGRESS },
  { sec: 'tcx/egress', type: T.SCHED_CLS, attach: A.TCX_EGRESS },
  { sec: 'tc', type: T.SCHED_CLS },
  { sec: 'classifier', type: T.SCHED_CLS },
  { sec: 'action', type: T.SCHED_ACT },
  { sec: 'netkit/primary', type: T.SCHED_CLS, attach: A.NETKIT_PRIMARY },
  { sec: 'netkit/peer', type: T.SCHED_CLS, attach: A.NETKIT_PEER },
  { sec: 'tracepoint+', type: T.TRACEPOINT },
  { sec: 'tp+', type: T.TRACEPOINT },
  { sec: 'raw_tracepoint+', type: T.RAW_TRACEPOINT },
  { sec: 'raw_tp+', type: T.RAW_TRACEPOINT },
  { sec: 'raw_tracepoint.w+', type: T.RAW_TRACEPOINT_WRITABLE },
  { sec: 'raw_tp.w+', type: T.RAW_TRACEPOINT_WRITABLE },
  { sec: 'tp_btf+', type: T.TRACING, attach: A.TRACE_RAW_TP },
  { sec: 'fentry+', type: T.TRACING, attach: A.TRACE_FENTRY },
  { sec: 'fmod_ret+', type: T.TRACING, attach: A.MODIFY_RETURN },
  { sec: 'fexit+', type: T.TRACING, attach: A.TRACE_FEXIT },
  { sec: 'fentry.s+', type: T.TRACING, attach: A.TRACE_FENTRY, sleepable: S },
  { sec: 'fmod_ret.s+', type: T.TRACING, attach: A.MODIFY_RETURN, sleepable: S },
  { sec: 'fexit.s+', type: T.TRACING, attach: A.TRACE_FEXIT, sleepable: S },
  { sec: 'freplace+', type: T.EXT },
  { sec: 'lsm+', type: T.LSM, attach: A.LSM_MAC },
  { sec: 'lsm.s+', type: T.LSM, attach: A.LSM_MAC, sleepable: S },
  { sec: 'lsm_cgroup+', type: T.LSM, attach: A.LSM_CGROUP },
  { sec: 'iter+', type: T.TRACING, attach: A.TRACE_ITER },
  { sec: 'iter.s+', type: T.TRACING, attach: A.TRACE_ITER, sleepable: S },
  { sec: 'syscall', type: T.SYSCALL, sleepable: S },
  { sec: 'xdp.frags/devmap', type: T.XDP, attach: A.XDP_DEVMAP, xdpFrags: true },
  { sec: 'xdp/devmap', type: T.XDP, attach: A.XDP_DEVMAP },
  { sec: 'xdp.frags/cpumap', type: T.XDP, attach: A.XDP_CPUMAP, xdpFrags: true },
  { sec: 'xdp/cpumap', type: T.XDP, attach: A.XDP_CPUMAP },
  { sec: 'xdp.frags', type: T.XDP, attach: A.XDP, xdpFrags: true },
  { sec: 'xdp', type: T.XDP, attach: A.XDP },
  { sec: 'perf_event', type: T.PERF_EVENT },
  { sec: 'lwt_in', type: T.LWT_IN },
  { sec: 'lwt_out', type: T.LWT_OUT },
  { sec: 'lwt_xmit', type: T.LWT_XMIT },
  { sec: 'lwt_seg6local', type: T.LWT_SEG6LOCAL },
  { sec: 'sockops', type: T.SOCK_OPS, attach: A.CGROUP_SOCK_OPS },
  { sec: 'sk_skb/stream_parser', type: T.SK_SKB, attach: A.SK_SKB_STREAM_PARSER },
  { sec: 'sk_skb/stream_verdict', type: T.SK_SKB, attach: A.SK_SKB_STREAM_VERDICT },
  { sec: 'sk_skb/verdict', type: T.SK_SKB, attach: A.SK_SKB_VERDICT },
  { sec: 'sk_skb', type: T.SK_SKB },
  { sec: 'sk_msg', type: T.SK_MSG, attach: A.SK_MSG_VERDICT },
  { sec: 'lirc_mode2', type: T.LIRC_MODE2, attach: A.LIRC_MODE2 },
  { sec: 'flow_dissector', type: T.FLOW_DISSECTOR, attach: A.FLOW_DISSECTOR },
  { sec: 'cgroup_skb/ingress', type: T.CGROUP_SKB, attach: A.CGROUP_INET_INGRESS },
  { sec: 'cgroup_skb/egress', type: T.CGROUP_SKB, attach: A.CGROUP_INET_EGRESS },
  { sec: 'cgroup/skb', type: T.CGROUP_SKB },
  { sec: 'cgroup/sock_create', type: T.CGROUP_SOCK, attach: A.CGROUP_INET_SOCK_CREATE },
  { sec: 'cgroup/sock_release', type: T.CGROUP_SOCK, attach: A.CGROUP_INET_SOCK_RELEASE },
  { sec: 'cgroup/sock', type: T.CGROUP_SOCK, attach: A.CGROUP_INET_SOCK_CREATE },
  { sec: 'cgroup/post_bind4', type: T.CGROUP_SOCK, attach: A.CGROUP_INET4_POST_BIND },
  { sec: 'cgroup/post_bind6', type: T.CGROUP_SOCK, attach: A.CGROUP_INET6_POST_BIND },
  { sec: 'cgroup/bind4', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET4_BIND },
  { sec: 'cgroup/bind6', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET6_BIND },
  { sec: 'cgroup/connect4', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET4_CONNECT },
  { sec: 'cgroup/connect6', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET6_CONNECT },
  { sec: 'cgroup/connect_unix', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_CONNECT },
  { sec: 'cgroup/sendmsg4', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_UDP4_SENDMSG },
  { sec: 'cgroup/sendmsg6', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_UDP6_SENDMSG },
  { sec: 'cgroup/sendmsg_unix', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_SENDMSG },
  { sec: 'cgroup/recvmsg4', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_UDP4_RECVMSG },
  { sec: 'cgroup/recvmsg6', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_UDP6_RECVMSG },
  { sec: 'cgroup/recvmsg_unix', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_RECVMSG },
  { sec: 'cgroup/getpeername4', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET4_GETPEERNAME },
  { sec: 'cgroup/getpeername6', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET6_GETPEERNAME },
  { sec: 'cgroup/getpeername_unix', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_GETPEERNAME },
  { sec: 'cgroup/getsockname4', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET4_GETSOCKNAME },
  { sec: 'cgroup/getsockname6', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET6_GETSOCKNAME },
  { sec: 'cgroup/getsockname_unix', type: T.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_GETSOCKNAME },
  { sec: 'cgroup/sysctl', type: T.CGROUP_SYSCTL, attach: A.CGROUP_SYSCTL },
  { sec: 'cgroup/getsockopt', type: T.CGROUP_SOCKOPT, attach: A.CGROUP_GETSOCKOPT },
  { sec: 'cgroup/setsockopt', type: T.CGROUP_SOCKOPT, attach: A.CGROUP_SETSOCKOPT },
  { sec: 'cgroup/dev', type: T.CGROUP_DEVICE, attach: A.CGROUP_DEVICE },
  { sec: 'struct_ops+', type: T.STRUCT_OPS },
  { sec: 'struct_ops.s+', type: T.STRUCT_OPS, sleepable: S },
  { sec: 'sk_lookup', type: T.SK_LOOKUP, attach: A.SK_LOOKUP },
  { sec: 'netfilter', type: T.NETFILTER, attach: A.NETFILTER },
];

export interface SectionMatch {
  readonly def: SectionDef;
  readonly type: BpfProgType;
  readonly expectedAttachType?: BpfAttachType;
  /** The `extras` after `prefix/` for `+` rows (`syscalls/sys_enter_openat`, `do_unlinkat`, `/bin/bash:readline`). */
  readonly attachTarget?: string;
  readonly sleepable: boolean;
  /** `SEC("?xdp")`: libbpf does not load it automatically. */
  readonly autoload: boolean;
}

function matches(def: string, name: string): boolean {
  if (def.endsWith('/')) return name.startsWith(def);
  if (def.endsWith('+')) {
    const prefix = def.slice(0, -1);
    return name === prefix || name.startsWith(`${prefix}/`);
  }
  return name === def;
}

/** Maps a program section name to type, attach type and target by libbpf's rules; undefined if none match. */
export function matchSection(section: string): SectionMatch | undefined {
  const autoload = !section.startsWith('?');
  const name = autoload ? section : section.slice(1);
  const def = SECTION_DEFS.find((d) => matches(d.sec, name));
  if (!def) return undefined;
  let attachTarget: string | undefined;
  if (def.sec.endsWith('+')) {
    const prefix = def.sec.slice(0, -1);
    if (name.length > prefix.length + 1) attachTarget = name.slice(prefix.length + 1);
  }
  return { def, type: def.type, expectedAttachType: def.attach, attachTarget, sleepable: def.sleepable === true, autoload };
}

/** libbpf's lower-case program type names (`libbpf_bpf_prog_type_str`). */
export function progTypeName(type: BpfProgType): string {
  return (BpfProgType[type] ?? `unknown(${type})`).toLowerCase();
}
