import type { AddressSpace } from '../memory/address-space.js';

/**
 * The helper ABI shared by the interpreter and the JIT. Keep this file stable: the JIT imports it.
 *
 * A helper receives r1..r5 as unsigned 64-bit bigints (what a Wasm i64 import receives, made
 * unsigned) and returns r0 (any bigint; the engine truncates it to 64 bits). Helpers are looked up by
 * the kernel's `enum bpf_func_id` number in one `HelperTable` both engines use.
 *
 * Control effects a helper cannot express through r0 go through the `VmContext`:
 *  - `requestExit(r0)`: stop the program now with this r0 (the conformance "unwind" helper);
 *  - `tailCallTarget`: set by `bpf_tail_call` on success; the engine switches to that program
 *    instead of continuing after the call (on failure it stays null and execution continues);
 *  - `invokeFunction(ptr, ...)`: runs a BPF subprogram (a callback of `bpf_loop`,
 *    `bpf_for_each_map_elem`) in a fresh frame and returns its r0.
 */
export type HelperFn = (vm: VmContext, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint;

export interface Helper {
  /** `enum bpf_func_id` number. */
  readonly id: number;
  /** Kernel name without the `bpf_` prefix's BPF_FUNC_ enum form, e.g. `map_lookup_elem`. */
  readonly name: string;
  readonly fn: HelperFn;
  /**
   * Optional fast form for engines that keep registers as int32 halves: reads r1..r5 from
   * `regs[2..11]` (lo, hi pairs) and writes r0 to `regs[0..1]`, without BigInt conversions. Same
   * results, errors and effects as `fn`.
   */
  readonly fn32?: HelperFn32;
}

export type HelperFn32 = (vm: VmContext, regs: Int32Array) => void;

/** Helpers by id. */
export type HelperTable = ReadonlyMap<number, Helper>;

/** An opaque handle of a loaded program (what a prog_array slot holds). */
export interface ProgramHandle {
  readonly name: string;
}

/** Host-visible map interface the helpers need; maps/ implements it per type. */
export interface VmMapRef {
  readonly index: number;
  readonly name: string;
}

/** What the event source (or the test runner) says about the "current task" and clocks. */
export interface ExecutionEnv {
  /** `bpf_get_current_pid_tgid`: tgid << 32 | pid. */
  pidTgid: bigint;
  /** `bpf_get_current_uid_gid`: gid << 32 | uid. */
  uidGid: bigint;
  /** `bpf_get_current_comm` (up to 16 bytes, NUL padded). */
  comm: string;
  /** Monotonic clock in ns (`ktime_get_ns`). */
  monotonicNs(): bigint;
  /** Boot clock in ns (`ktime_get_boot_ns`). */
  bootNs(): bigint;
  /** Random u32 (`get_prandom_u32`). */
  randomU32(): number;
  /** Where `trace_printk` output goes. */
  trace(line: string): void;
  /** NUMA node id. */
  numaNode: number;
  /**
   * Readable memory the event source provides for `probe_read*` beyond the program's own regions:
   * a function from (address, size) to bytes, or undefined when it has nothing at that address.
   */
  probeRead?(address: bigint, size: number): Uint8Array | undefined;
}

/** A `bpf_redirect*` decision, recorded (the VM does not forward packets). */
export interface RedirectRecord {
  readonly helper: string;
  readonly target: bigint;
  readonly flags: bigint;
}

/** Per-run state helpers see. One instance per run; engines fill the control fields. */
export interface VmContext {
  readonly mem: AddressSpace;
  /** CPU the program "runs on" (per-CPU maps, `get_smp_processor_id`). */
  readonly cpu: number;
  readonly env: ExecutionEnv;
  /** Stops the program with this r0 after the helper returns. */
  requestExit(r0: bigint): void;
  /** Set by `bpf_tail_call` on success. */
  tailCallTarget: ProgramHandle | null;
  /** Runs the BPF function at `ptr` (a value from `lddw rX, func`) with r1..r5 and returns r0. */
  invokeFunction(ptr: bigint, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint): bigint;
  /** Redirect decisions of this run. */
  readonly redirects: RedirectRecord[];
  /** Program-type specific state (packet bounds for xdp/skb helpers); undefined for other types. */
  readonly packet?: PacketAccess;
}

/** What packet helpers (adjust_head/tail/meta, skb_load/store_bytes) need from the runner. */
export interface PacketAccess {
  /** Which helper family applies: XDP buffers or socket buffers. */
  readonly kind: 'xdp' | 'skb';
  /** Linear addresses of data_meta, data and data_end now. */
  readonly meta: number;
  readonly data: number;
  readonly end: number;
  /** Lowest address data_meta/data may move to (headroom start) and highest data_end may reach. */
  readonly low: number;
  readonly high: number;
  /** Moves the packet; updates regions and the context's pointers. */
  move(meta: number, data: number, end: number): void;
}

/**
 * Tagged 64-bit values for things that are not memory (their high half is never 0, so they can
 * never pass an access check): map pointers (`lddw rX, map`) and function pointers (`lddw rX, func`).
 */
export const MAP_POINTER_TAG = 0xb9f0_0000n << 32n;
export const FUNC_POINTER_TAG = 0xb9f1_0000n << 32n;
const TAG_MASK = 0xffff_ffffn << 32n;
/** The high half of a map pointer as an int32 (engines with int32 register halves). */
export const MAP_POINTER_TAG_HI = Number(MAP_POINTER_TAG >> 32n) | 0;

export function encodeMapPointer(index: number): bigint {
  return MAP_POINTER_TAG | BigInt(index);
}
/** The map index a map pointer names, or -1. */
export function decodeMapPointer(value: bigint): number {
  return (value & TAG_MASK) === MAP_POINTER_TAG ? Number(value & 0xffff_ffffn) : -1;
}
export function encodeFuncPointer(insn: number): bigint {
  return FUNC_POINTER_TAG | BigInt(insn);
}
/** The instruction index a function pointer names, or -1. */
export function decodeFuncPointer(value: bigint): number {
  return (value & TAG_MASK) === FUNC_POINTER_TAG ? Number(value & 0xffff_ffffn) : -1;
}
