import type { Instruction } from '@bpfleet/isa';

/**
 * The loader-neutral object model: what the ELF loader produces and the verifier, the VM and the
 * kernel runtime all consume. Pure data, no handles (the "spec" in cilium/ebpf's terms).
 */

/** `enum bpf_prog_type` (include/uapi/linux/bpf.h). */
export enum BpfProgType {
  UNSPEC = 0,
  SOCKET_FILTER = 1,
  KPROBE = 2,
  SCHED_CLS = 3,
  SCHED_ACT = 4,
  TRACEPOINT = 5,
  XDP = 6,
  PERF_EVENT = 7,
  CGROUP_SKB = 8,
  CGROUP_SOCK = 9,
  LWT_IN = 10,
  LWT_OUT = 11,
  LWT_XMIT = 12,
  SOCK_OPS = 13,
  SK_SKB = 14,
  CGROUP_DEVICE = 15,
  SK_MSG = 16,
  RAW_TRACEPOINT = 17,
  CGROUP_SOCK_ADDR = 18,
  LWT_SEG6LOCAL = 19,
  LIRC_MODE2 = 20,
  SK_REUSEPORT = 21,
  FLOW_DISSECTOR = 22,
  CGROUP_SYSCTL = 23,
  RAW_TRACEPOINT_WRITABLE = 24,
  CGROUP_SOCKOPT = 25,
  TRACING = 26,
  STRUCT_OPS = 27,
  EXT = 28,
  LSM = 29,
  SK_LOOKUP = 30,
  SYSCALL = 31,
  NETFILTER = 32,
}

/** `enum bpf_map_type`. */
export enum BpfMapType {
  UNSPEC = 0,
  HASH = 1,
  ARRAY = 2,
  PROG_ARRAY = 3,
  PERF_EVENT_ARRAY = 4,
  PERCPU_HASH = 5,
  PERCPU_ARRAY = 6,
  STACK_TRACE = 7,
  CGROUP_ARRAY = 8,
  LRU_HASH = 9,
  LRU_PERCPU_HASH = 10,
  LPM_TRIE = 11,
  ARRAY_OF_MAPS = 12,
  HASH_OF_MAPS = 13,
  DEVMAP = 14,
  SOCKMAP = 15,
  CPUMAP = 16,
  XSKMAP = 17,
  SOCKHASH = 18,
  CGROUP_STORAGE = 19,
  REUSEPORT_SOCKARRAY = 20,
  PERCPU_CGROUP_STORAGE = 21,
  QUEUE = 22,
  STACK = 23,
  SK_STORAGE = 24,
  DEVMAP_HASH = 25,
  STRUCT_OPS = 26,
  RINGBUF = 27,
  INODE_STORAGE = 28,
  TASK_STORAGE = 29,
  BLOOM_FILTER = 30,
  USER_RINGBUF = 31,
  CGRP_STORAGE = 32,
  ARENA = 33,
}

/** `enum bpf_attach_type` values the section conventions use (subset; numbers are the kernel's). */
export type BpfAttachType = number;

/** Where a global-data or `.maps` map came from. */
export type MapOrigin = 'btf' | 'legacy' | 'data' | 'rodata' | 'bss' | 'kconfig';

export interface BpfMapSpec {
  /** libbpf's name: the symbol for `.maps`/`maps`, `<first 8 chars of object>.bss` etc. for global data. */
  readonly name: string;
  readonly type: BpfMapType;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly origin: MapOrigin;
  /** ELF section the definition came from (`.maps`, `maps`, `.bss`, `.rodata.str1.1`, ...). */
  readonly section: string;
  /** BTF type ids of key and value, when the object carries BTF (0 = none). */
  readonly btfKeyTypeId: number;
  readonly btfValueTypeId: number;
  /** Initial contents for global-data maps (`.data`, `.rodata`); zero-filled otherwise. */
  readonly initialData?: Uint8Array;
  /** `LIBBPF_PIN_BY_NAME` etc. (0 = none). */
  readonly pinning: number;
  /** Inner map template for map-in-map types. */
  readonly innerMap?: BpfMapSpec;
  readonly numaNode?: number;
  readonly mapExtra?: bigint;
  /**
   * Slots of a map-in-map or prog array initialised in C (`.values = { [0] = &inner_a }`): the
   * loader fills them after creating the maps / loading the programs.
   */
  readonly initialSlots?: readonly MapSlotInit[];
}

/** One initialised slot of a map-in-map (`mapIndex` into `BpfObject.maps`) or prog array (program name). */
export type MapSlotInit =
  | { readonly slot: number; readonly kind: 'map'; readonly mapIndex: number }
  | { readonly slot: number; readonly kind: 'program'; readonly program: string };

/** One `.BTF.ext` line-info record resolved to strings. */
export interface LineInfo {
  /** Instruction index (slot) within the program's linked instruction array. */
  readonly insn: number;
  readonly fileName: string;
  readonly lineText: string;
  readonly line: number;
  readonly column: number;
}

/** One `.BTF.ext` func-info record: a function starting at `insn`. */
export interface FuncInfo {
  readonly insn: number;
  readonly btfTypeId: number;
  readonly name: string;
}

/** What a relocated instruction refers to (kept so tools can show `r1 = map[counter]`). */
export type InsnReference =
  | { readonly kind: 'map'; readonly insn: number; readonly mapIndex: number }
  | { readonly kind: 'map_value'; readonly insn: number; readonly mapIndex: number; readonly offset: number }
  | { readonly kind: 'subprog'; readonly insn: number; readonly target: number; readonly name: string }
  | { readonly kind: 'func_addr'; readonly insn: number; readonly target: number; readonly name: string }
  | { readonly kind: 'kfunc'; readonly insn: number; readonly name: string }
  | { readonly kind: 'extern'; readonly insn: number; readonly name: string };

/** One `.BTF.ext` CO-RE relocation (bpf_core_relo), resolved to its access string. */
export interface CoreRelocation {
  readonly insn: number;
  readonly typeId: number;
  readonly accessString: string;
  /** `enum bpf_core_relo_kind`. */
  readonly kind: number;
}

export interface BpfProgramSpec {
  /** Function symbol name. */
  readonly name: string;
  /** ELF section name (`tracepoint/syscalls/sys_enter_openat`, `xdp`, ...). */
  readonly section: string;
  readonly type: BpfProgType;
  readonly expectedAttachType?: BpfAttachType;
  /** What to attach to, parsed from the section (`syscalls/sys_enter_openat`, `eth0`, a function ...). */
  readonly attachTarget?: string;
  /** Sleepable variant (`.s` suffix sections). */
  readonly sleepable: boolean;
  /** False for `SEC("?...")` programs, which libbpf does not load unless asked (absent = true). */
  readonly autoload?: boolean;
  /**
   * The linked instructions: the program's own, then every `.text` subprogram it calls (transitively),
   * with calls and map references relocated. Map references are loader-neutral: `lddw` with
   * src = BPF_PSEUDO_MAP_IDX (5) / BPF_PSEUDO_MAP_IDX_VALUE (6) and imm = index into `BpfObject.maps`
   * (for map values the second slot's imm holds the offset), like the kernel's fd_array form.
   */
  readonly insns: readonly Instruction[];
  readonly references: readonly InsnReference[];
  readonly lineInfo: readonly LineInfo[];
  readonly funcInfo: readonly FuncInfo[];
  readonly coreRelocations: readonly CoreRelocation[];
  /** BTF id of the program's function prototype (0 without BTF). */
  readonly btfFuncTypeId: number;
}

export interface BpfObject {
  /** Object name as libbpf derives it (file name without `.o`/`.bpf.o`). */
  readonly name: string;
  readonly license: string;
  readonly kernelVersion: number;
  readonly programs: readonly BpfProgramSpec[];
  readonly maps: readonly BpfMapSpec[];
  /** The raw `.BTF` section bytes (undefined when the object has none). */
  readonly btfBytes?: Uint8Array;
  /** The raw `.BTF.ext` section bytes. */
  readonly btfExtBytes?: Uint8Array;
  /** The original ELF bytes, for loaders that want them (libbpf opens from memory). */
  readonly elf: Uint8Array;
}
