import { BpfProgType } from '@bpfleet/elf';

/** Helper argument kinds (`enum bpf_arg_type`, the subset our programs need). */
export enum Arg {
  DONTCARE,
  ANYTHING,
  CONST_MAP_PTR,
  PTR_TO_MAP_KEY,
  PTR_TO_MAP_VALUE,
  /** Memory the helper reads: must be initialised. */
  PTR_TO_MEM,
  /** Memory the helper only writes (MEM_UNINIT). */
  PTR_TO_UNINIT_MEM,
  /** Read-only memory (MEM_RDONLY), e.g. format strings. */
  PTR_TO_RDONLY_MEM,
  CONST_SIZE,
  CONST_SIZE_OR_ZERO,
  CONST_ALLOC_SIZE_OR_ZERO,
  PTR_TO_CTX,
  PTR_TO_SPIN_LOCK,
  PTR_TO_RINGBUF_MEM,
  PTR_TO_FUNC,
  PTR_TO_LONG,
  PTR_TO_CONST_STR,
  PTR_TO_STACK_OR_NULL,
  PTR_TO_BTF_ID_TASK,
  PTR_TO_MAP_VALUE_OR_NULL,
}

export enum Ret {
  INTEGER,
  VOID,
  PTR_TO_MAP_VALUE_OR_NULL,
  PTR_TO_RINGBUF_MEM_OR_NULL,
  PTR_TO_BTF_ID_TASK,
  PTR_TO_BTF_ID_PT_REGS,
}

/** Which program families may call a helper (the kernel's *_func_proto switches). */
export const enum Family {
  BASE = 1,
  TRACING = 2,
  SKB_READ = 4,
  TC = 8,
  XDP = 16,
  SYSCALL = 32,
  KPROBE_ONLY = 64,
}

export interface HelperProto {
  readonly id: number;
  readonly name: string;
  readonly args: readonly Arg[];
  readonly ret: Ret;
  /** First kernel version (major * 100 + minor) that has it. */
  readonly since: number;
  readonly families: number;
  /** Acquires a reference (ringbuf_reserve) / releases the one in this argument (1-based). */
  readonly acquire?: boolean;
  readonly releaseArg?: number;
  /** Not allowed for unprivileged programs. */
  readonly privileged?: boolean;
  /** The helper may change packet data: packet pointers are invalidated after the call. */
  readonly changesPkt?: boolean;
  /** May sleep (`might_sleep`): only sleepable programs may call it. */
  readonly mightSleep?: boolean;
  /** Memory arguments (1-based) typed `| PTR_MAYBE_NULL`: NULL is accepted when its size is zero. */
  readonly maybeNullArgs?: readonly number[];
}

const A = Arg;
const T = Family.TRACING;
const SKB = Family.SKB_READ;
const TC = Family.TC;
const XDP = Family.XDP;
const BASE = Family.BASE;

const list: HelperProto[] = [
  { id: 1, name: 'bpf_map_lookup_elem', args: [A.CONST_MAP_PTR, A.PTR_TO_MAP_KEY], ret: Ret.PTR_TO_MAP_VALUE_OR_NULL, since: 319, families: BASE },
  { id: 2, name: 'bpf_map_update_elem', args: [A.CONST_MAP_PTR, A.PTR_TO_MAP_KEY, A.PTR_TO_MAP_VALUE, A.ANYTHING], ret: Ret.INTEGER, since: 319, families: BASE },
  { id: 3, name: 'bpf_map_delete_elem', args: [A.CONST_MAP_PTR, A.PTR_TO_MAP_KEY], ret: Ret.INTEGER, since: 319, families: BASE },
  { id: 4, name: 'bpf_probe_read', args: [A.PTR_TO_UNINIT_MEM, A.CONST_SIZE_OR_ZERO, A.ANYTHING], ret: Ret.INTEGER, since: 401, families: T, privileged: true },
  { id: 5, name: 'bpf_ktime_get_ns', args: [], ret: Ret.INTEGER, since: 401, families: BASE },
  { id: 6, name: 'bpf_trace_printk', args: [A.PTR_TO_RDONLY_MEM, A.CONST_SIZE, A.ANYTHING, A.ANYTHING, A.ANYTHING], ret: Ret.INTEGER, since: 401, families: BASE, privileged: true },
  { id: 7, name: 'bpf_get_prandom_u32', args: [], ret: Ret.INTEGER, since: 401, families: BASE },
  { id: 8, name: 'bpf_get_smp_processor_id', args: [], ret: Ret.INTEGER, since: 401, families: BASE },
  { id: 9, name: 'bpf_skb_store_bytes', args: [A.PTR_TO_CTX, A.ANYTHING, A.PTR_TO_MEM, A.CONST_SIZE, A.ANYTHING], ret: Ret.INTEGER, since: 401, families: TC, changesPkt: true },
  { id: 10, name: 'bpf_l3_csum_replace', args: [A.PTR_TO_CTX, A.ANYTHING, A.ANYTHING, A.ANYTHING, A.ANYTHING], ret: Ret.INTEGER, since: 401, families: TC, changesPkt: true },
  { id: 11, name: 'bpf_l4_csum_replace', args: [A.PTR_TO_CTX, A.ANYTHING, A.ANYTHING, A.ANYTHING, A.ANYTHING], ret: Ret.INTEGER, since: 401, families: TC, changesPkt: true },
  { id: 12, name: 'bpf_tail_call', args: [A.PTR_TO_CTX, A.CONST_MAP_PTR, A.ANYTHING], ret: Ret.VOID, since: 402, families: BASE },
  { id: 13, name: 'bpf_clone_redirect', args: [A.PTR_TO_CTX, A.ANYTHING, A.ANYTHING], ret: Ret.INTEGER, since: 402, families: TC, changesPkt: true },
  { id: 14, name: 'bpf_get_current_pid_tgid', args: [], ret: Ret.INTEGER, since: 402, families: T | BASE },
  { id: 15, name: 'bpf_get_current_uid_gid', args: [], ret: Ret.INTEGER, since: 402, families: T | BASE },
  { id: 16, name: 'bpf_get_current_comm', args: [A.PTR_TO_UNINIT_MEM, A.CONST_SIZE], ret: Ret.INTEGER, since: 402, families: T | BASE },
  { id: 17, name: 'bpf_get_cgroup_classid', args: [A.PTR_TO_CTX], ret: Ret.INTEGER, since: 403, families: TC },
  { id: 18, name: 'bpf_skb_vlan_push', args: [A.PTR_TO_CTX, A.ANYTHING, A.ANYTHING], ret: Ret.INTEGER, since: 403, families: TC, changesPkt: true },
  { id: 19, name: 'bpf_skb_vlan_pop', args: [A.PTR_TO_CTX], ret: Ret.INTEGER, since: 403, families: TC, changesPkt: true },
  { id: 22, name: 'bpf_perf_event_read', args: [A.CONST_MAP_PTR, A.ANYTHING], ret: Ret.INTEGER, since: 403, families: T },
  { id: 23, name: 'bpf_redirect', args: [A.ANYTHING, A.ANYTHING], ret: Ret.INTEGER, since: 404, families: TC | XDP },
  { id: 24, name: 'bpf_get_route_realm', args: [A.PTR_TO_CTX], ret: Ret.INTEGER, since: 404, families: TC },
  { id: 25, name: 'bpf_perf_event_output', args: [A.PTR_TO_CTX, A.CONST_MAP_PTR, A.ANYTHING, A.PTR_TO_MEM, A.CONST_SIZE_OR_ZERO], ret: Ret.INTEGER, since: 404, families: T | SKB | TC | XDP },
  { id: 26, name: 'bpf_skb_load_bytes', args: [A.PTR_TO_CTX, A.ANYTHING, A.PTR_TO_UNINIT_MEM, A.CONST_SIZE], ret: Ret.INTEGER, since: 405, families: SKB | TC },
  { id: 27, name: 'bpf_get_stackid', args: [A.PTR_TO_CTX, A.CONST_MAP_PTR, A.ANYTHING], ret: Ret.INTEGER, since: 406, families: T },
  { id: 28, name: 'bpf_csum_diff', args: [A.PTR_TO_RDONLY_MEM, A.CONST_SIZE_OR_ZERO, A.PTR_TO_RDONLY_MEM, A.CONST_SIZE_OR_ZERO, A.ANYTHING], ret: Ret.INTEGER, since: 406, families: TC | XDP, maybeNullArgs: [1, 3] },
  { id: 31, name: 'bpf_skb_change_proto', args: [A.PTR_TO_CTX, A.ANYTHING, A.ANYTHING], ret: Ret.INTEGER, since: 408, families: TC, changesPkt: true },
  { id: 32, name: 'bpf_skb_change_type', args: [A.PTR_TO_CTX, A.ANYTHING], ret: Ret.INTEGER, since: 408, families: TC },
  { id: 34, name: 'bpf_get_hash_recalc', args: [A.PTR_TO_CTX], ret: Ret.INTEGER, since: 408, families: TC },
  { id: 35, name: 'bpf_get_current_task', args: [], ret: Ret.INTEGER, since: 408, families: T | BASE },
  { id: 36, name: 'bpf_probe_write_user', args: [A.ANYTHING, A.PTR_TO_RDONLY_MEM, A.CONST_SIZE], ret: Ret.INTEGER, since: 408, families: T, privileged: true },
  { id: 37, name: 'bpf_current_task_under_cgroup', args: [A.CONST_MAP_PTR, A.ANYTHING], ret: Ret.INTEGER, since: 409, families: T },
  { id: 38, name: 'bpf_skb_change_tail', args: [A.PTR_TO_CTX, A.ANYTHING, A.ANYTHING], ret: Ret.INTEGER, since: 409, families: TC, changesPkt: true },
  { id: 39, name: 'bpf_skb_pull_data', args: [A.PTR_TO_CTX, A.ANYTHING], ret: Ret.INTEGER, since: 409, families: TC, changesPkt: true },
  { id: 40, name: 'bpf_csum_update', args: [A.PTR_TO_CTX, A.ANYTHING], ret: Ret.INTEGER, since: 409, families: TC },
  { id: 41, name: 'bpf_set_hash_invalid', args: [A.PTR_TO_CTX], ret: Ret.VOID, since: 409, families: TC },
  { id: 42, name: 'bpf_get_numa_node_id', args: [], ret: Ret.INTEGER, since: 410, families: BASE },
  { id: 43, name: 'bpf_skb_change_head', args: [A.PTR_TO_CTX, A.ANYTHING, A.ANYTHING], ret: Ret.INTEGER, since: 410, families: TC, changesPkt: true },
  { id: 44, name: 'bpf_xdp_adjust_head', args: [A.PTR_TO_CTX, A.ANYTHING], ret: Ret.INTEGER, since: 410, families: XDP, changesPkt: true },
  { id: 45, name: 'bpf_probe_read_str', args: [A.PTR_TO_UNINIT_MEM, A.CONST_SIZE_OR_ZERO, A.ANYTHING], ret: Ret.INTEGER, since: 411, families: T, privileged: true },
  { id: 46, name: 'bpf_get_socket_cookie', args: [A.PTR_TO_CTX], ret: Ret.INTEGER, since: 412, families: SKB | TC },
  { id: 47, name: 'bpf_get_socket_uid', args: [A.PTR_TO_CTX], ret: Ret.INTEGER, since: 412, families: SKB | TC },
  { id: 48, name: 'bpf_set_hash', args: [A.PTR_TO_CTX, A.ANYTHING], ret: Ret.INTEGER, since: 413, families: TC },
  { id: 50, name: 'bpf_skb_adjust_room', args: [A.PTR_TO_CTX, A.ANYTHING, A.ANYTHING, A.ANYTHING], ret: Ret.INTEGER, since: 413, families: TC, changesPkt: true },
  { id: 51, name: 'bpf_redirect_map', args: [A.CONST_MAP_PTR, A.ANYTHING, A.ANYTHING], ret: Ret.INTEGER, since: 414, families: XDP },
  { id: 54, name: 'bpf_xdp_adjust_meta', args: [A.PTR_TO_CTX, A.ANYTHING], ret: Ret.INTEGER, since: 415, families: XDP, changesPkt: true },
  { id: 55, name: 'bpf_perf_event_read_value', args: [A.CONST_MAP_PTR, A.ANYTHING, A.PTR_TO_UNINIT_MEM, A.CONST_SIZE], ret: Ret.INTEGER, since: 415, families: T },
  { id: 58, name: 'bpf_override_return', args: [A.PTR_TO_CTX, A.ANYTHING], ret: Ret.INTEGER, since: 416, families: Family.KPROBE_ONLY },
  { id: 65, name: 'bpf_xdp_adjust_tail', args: [A.PTR_TO_CTX, A.ANYTHING], ret: Ret.INTEGER, since: 418, families: XDP, changesPkt: true },
  { id: 67, name: 'bpf_get_stack', args: [A.PTR_TO_CTX, A.PTR_TO_UNINIT_MEM, A.CONST_SIZE_OR_ZERO, A.ANYTHING], ret: Ret.INTEGER, since: 418, families: T },
  { id: 68, name: 'bpf_skb_load_bytes_relative', args: [A.PTR_TO_CTX, A.ANYTHING, A.PTR_TO_UNINIT_MEM, A.CONST_SIZE, A.ANYTHING], ret: Ret.INTEGER, since: 418, families: SKB | TC },
  { id: 69, name: 'bpf_fib_lookup', args: [A.PTR_TO_CTX, A.PTR_TO_MEM, A.CONST_SIZE, A.ANYTHING], ret: Ret.INTEGER, since: 418, families: TC | XDP },
  { id: 79, name: 'bpf_skb_cgroup_id', args: [A.PTR_TO_CTX], ret: Ret.INTEGER, since: 418, families: TC },
  { id: 80, name: 'bpf_get_current_cgroup_id', args: [], ret: Ret.INTEGER, since: 418, families: T | BASE },
  { id: 87, name: 'bpf_map_push_elem', args: [A.CONST_MAP_PTR, A.PTR_TO_MAP_VALUE, A.ANYTHING], ret: Ret.INTEGER, since: 420, families: BASE },
  { id: 88, name: 'bpf_map_pop_elem', args: [A.CONST_MAP_PTR, A.PTR_TO_UNINIT_MEM], ret: Ret.INTEGER, since: 420, families: BASE },
  { id: 89, name: 'bpf_map_peek_elem', args: [A.CONST_MAP_PTR, A.PTR_TO_UNINIT_MEM], ret: Ret.INTEGER, since: 420, families: BASE },
  { id: 93, name: 'bpf_spin_lock', args: [A.PTR_TO_SPIN_LOCK], ret: Ret.VOID, since: 501, families: BASE, privileged: true },
  { id: 94, name: 'bpf_spin_unlock', args: [A.PTR_TO_SPIN_LOCK], ret: Ret.VOID, since: 501, families: BASE, privileged: true },
  { id: 109, name: 'bpf_send_signal', args: [A.ANYTHING], ret: Ret.INTEGER, since: 503, families: T },
  { id: 112, name: 'bpf_probe_read_user', args: [A.PTR_TO_UNINIT_MEM, A.CONST_SIZE_OR_ZERO, A.ANYTHING], ret: Ret.INTEGER, since: 505, families: T, privileged: true },
  { id: 113, name: 'bpf_probe_read_kernel', args: [A.PTR_TO_UNINIT_MEM, A.CONST_SIZE_OR_ZERO, A.ANYTHING], ret: Ret.INTEGER, since: 505, families: T | Family.SYSCALL, privileged: true },
  { id: 114, name: 'bpf_probe_read_user_str', args: [A.PTR_TO_UNINIT_MEM, A.CONST_SIZE_OR_ZERO, A.ANYTHING], ret: Ret.INTEGER, since: 505, families: T, privileged: true },
  { id: 115, name: 'bpf_probe_read_kernel_str', args: [A.PTR_TO_UNINIT_MEM, A.CONST_SIZE_OR_ZERO, A.ANYTHING], ret: Ret.INTEGER, since: 505, families: T | Family.SYSCALL, privileged: true },
  { id: 117, name: 'bpf_send_signal_thread', args: [A.ANYTHING], ret: Ret.INTEGER, since: 505, families: T },
  { id: 118, name: 'bpf_jiffies64', args: [], ret: Ret.INTEGER, since: 505, families: BASE, privileged: true },
  { id: 120, name: 'bpf_get_ns_current_pid_tgid', args: [A.ANYTHING, A.ANYTHING, A.PTR_TO_UNINIT_MEM, A.CONST_SIZE], ret: Ret.INTEGER, since: 507, families: T },
  { id: 125, name: 'bpf_ktime_get_boot_ns', args: [], ret: Ret.INTEGER, since: 508, families: BASE },
  { id: 130, name: 'bpf_ringbuf_output', args: [A.CONST_MAP_PTR, A.PTR_TO_MEM, A.CONST_SIZE_OR_ZERO, A.ANYTHING], ret: Ret.INTEGER, since: 508, families: BASE },
  { id: 131, name: 'bpf_ringbuf_reserve', args: [A.CONST_MAP_PTR, A.CONST_ALLOC_SIZE_OR_ZERO, A.ANYTHING], ret: Ret.PTR_TO_RINGBUF_MEM_OR_NULL, since: 508, families: BASE, acquire: true },
  { id: 132, name: 'bpf_ringbuf_submit', args: [A.PTR_TO_RINGBUF_MEM, A.ANYTHING], ret: Ret.VOID, since: 508, families: BASE, releaseArg: 1 },
  { id: 133, name: 'bpf_ringbuf_discard', args: [A.PTR_TO_RINGBUF_MEM, A.ANYTHING], ret: Ret.VOID, since: 508, families: BASE, releaseArg: 1 },
  { id: 134, name: 'bpf_ringbuf_query', args: [A.CONST_MAP_PTR, A.ANYTHING], ret: Ret.INTEGER, since: 508, families: BASE },
  { id: 135, name: 'bpf_csum_level', args: [A.PTR_TO_CTX, A.ANYTHING], ret: Ret.INTEGER, since: 508, families: TC },
  { id: 148, name: 'bpf_copy_from_user', args: [A.PTR_TO_UNINIT_MEM, A.CONST_SIZE_OR_ZERO, A.ANYTHING], ret: Ret.INTEGER, since: 510, families: T, mightSleep: true },
  { id: 152, name: 'bpf_redirect_neigh', args: [A.ANYTHING, A.PTR_TO_RDONLY_MEM, A.CONST_SIZE_OR_ZERO, A.ANYTHING], ret: Ret.INTEGER, since: 510, families: TC, maybeNullArgs: [2] },
  { id: 155, name: 'bpf_redirect_peer', args: [A.ANYTHING, A.ANYTHING], ret: Ret.INTEGER, since: 510, families: TC },
  { id: 158, name: 'bpf_get_current_task_btf', args: [], ret: Ret.PTR_TO_BTF_ID_TASK, since: 511, families: T | BASE },
  { id: 160, name: 'bpf_ktime_get_coarse_ns', args: [], ret: Ret.INTEGER, since: 511, families: BASE },
  { id: 164, name: 'bpf_for_each_map_elem', args: [A.CONST_MAP_PTR, A.PTR_TO_FUNC, A.PTR_TO_STACK_OR_NULL, A.ANYTHING], ret: Ret.INTEGER, since: 513, families: BASE, privileged: true },
  { id: 165, name: 'bpf_snprintf', args: [A.PTR_TO_UNINIT_MEM, A.CONST_SIZE_OR_ZERO, A.PTR_TO_CONST_STR, A.PTR_TO_RDONLY_MEM, A.CONST_SIZE_OR_ZERO], ret: Ret.INTEGER, since: 513, families: BASE, privileged: true, maybeNullArgs: [4] },
  { id: 173, name: 'bpf_get_func_ip', args: [A.PTR_TO_CTX], ret: Ret.INTEGER, since: 515, families: Family.KPROBE_ONLY },
  { id: 174, name: 'bpf_get_attach_cookie', args: [A.PTR_TO_CTX], ret: Ret.INTEGER, since: 515, families: T },
  { id: 175, name: 'bpf_task_pt_regs', args: [A.PTR_TO_BTF_ID_TASK], ret: Ret.PTR_TO_BTF_ID_PT_REGS, since: 515, families: T },
  { id: 177, name: 'bpf_trace_vprintk', args: [A.PTR_TO_RDONLY_MEM, A.CONST_SIZE, A.PTR_TO_RDONLY_MEM, A.CONST_SIZE_OR_ZERO], ret: Ret.INTEGER, since: 516, families: BASE, privileged: true, maybeNullArgs: [3] },
  { id: 181, name: 'bpf_loop', args: [A.ANYTHING, A.PTR_TO_FUNC, A.PTR_TO_STACK_OR_NULL, A.ANYTHING], ret: Ret.INTEGER, since: 517, families: BASE, privileged: true },
  { id: 182, name: 'bpf_strncmp', args: [A.PTR_TO_MEM, A.CONST_SIZE, A.PTR_TO_CONST_STR], ret: Ret.INTEGER, since: 517, families: BASE, privileged: true },
  { id: 188, name: 'bpf_xdp_get_buff_len', args: [A.PTR_TO_CTX], ret: Ret.INTEGER, since: 518, families: XDP },
  { id: 189, name: 'bpf_xdp_load_bytes', args: [A.PTR_TO_CTX, A.ANYTHING, A.PTR_TO_UNINIT_MEM, A.CONST_SIZE], ret: Ret.INTEGER, since: 518, families: XDP },
  { id: 208, name: 'bpf_ktime_get_tai_ns', args: [], ret: Ret.INTEGER, since: 601, families: BASE },
];

export const HELPERS: ReadonlyMap<number, HelperProto> = new Map(list.map((h) => [h.id, h]));

/** Highest helper id the newest kernel knows (`__BPF_FUNC_MAX_ID - 1`); ids above are "invalid func". */
export const MAX_HELPER_ID = 211;

/** Which families a program type's func_proto admits. */
export function familiesOf(type: BpfProgType): number {
  switch (type) {
    case BpfProgType.KPROBE:
      return Family.BASE | Family.TRACING | Family.KPROBE_ONLY;
    case BpfProgType.TRACEPOINT:
    case BpfProgType.RAW_TRACEPOINT:
    case BpfProgType.PERF_EVENT:
    case BpfProgType.TRACING:
      return Family.BASE | Family.TRACING;
    case BpfProgType.SOCKET_FILTER:
    case BpfProgType.CGROUP_SKB:
      return Family.BASE | Family.SKB_READ;
    case BpfProgType.SCHED_CLS:
    case BpfProgType.SCHED_ACT:
      return Family.BASE | Family.SKB_READ | Family.TC;
    case BpfProgType.XDP:
      return Family.BASE | Family.XDP;
    case BpfProgType.SYSCALL:
      return Family.BASE | Family.SYSCALL | Family.TRACING;
    default:
      return Family.BASE;
  }
}
