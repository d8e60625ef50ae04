/**
 * The VM address space layout, shared by the interpreter and the JIT.
 *
 * One `WebAssembly.Memory` holds everything a program can touch. A BPF pointer is the linear
 * offset into it (a 64-bit value whose high half is always 0). The first 64 KiB are a guard that is
 * never mapped for programs, so NULL and small integers never name a valid address; the VM keeps
 * its own bookkeeping there instead, where the JIT can read it from inside Wasm:
 *
 *   0x0000  page table: Uint16 per 4 KiB page -> region id (0 = unmapped)   (MAX_PAGES * 2 bytes)
 *   0x8000  region table: 4 x Uint32 per region id: start, end, perms, kind (MAX_REGIONS * 16 bytes)
 *   0xC000  scratch (unused by programs)
 *  0x10000  first region
 */

/** log2 of the page size the page table maps. */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** Size of one WebAssembly page. */
export const WASM_PAGE_SIZE = 0x10000;
/** Bytes at the bottom of the memory that are never mapped for programs. */
export const GUARD_SIZE = 0x10000;
/** Where the page table (Uint16Array, one entry per page) lives. */
export const PAGE_TABLE_BASE = 0x0000;
/** Where the region table (Uint32Array, REGION_WORDS per region) lives. */
export const REGION_TABLE_BASE = 0x8000;
/** Uint32 words per region table entry: start, end (exclusive), perms, kind. */
export const REGION_WORDS = 4;
export const REGION_START = 0;
export const REGION_END = 1;
export const REGION_PERMS = 2;
export const REGION_KIND = 3;
/** Region ids are 1..MAX_REGIONS-1 (0 = unmapped). */
export const MAX_REGIONS = 1024;
/** Upper bound of the address space: 64 MiB, so the page table fits in 32 KiB. */
export const MAX_MEMORY_BYTES = 64 * 1024 * 1024;
export const MAX_PAGES = MAX_MEMORY_BYTES >>> PAGE_SHIFT;

/** Permission bits in the region table. */
export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_RW = PERM_READ | PERM_WRITE;

/** What a region holds (stored in the region table for diagnostics). */
export enum RegionKind {
  Stack = 1,
  Context = 2,
  Packet = 3,
  MapValues = 4,
  RingBuffer = 5,
  ReadOnlyData = 6,
  Input = 7,
  Scratch = 8,
  /** A hash map's key index: VM bookkeeping, no program access. */
  MapIndex = 9,
}

/** Size of one bpf-to-bpf stack frame, as in the kernel. */
export const STACK_FRAME_SIZE = 512;
/** Deepest bpf-to-bpf call chain (the kernel's MAX_CALL_FRAMES). */
export const MAX_CALL_FRAMES = 8;
/** Most tail calls in one run (the kernel's MAX_TAIL_CALL_CNT). */
export const MAX_TAIL_CALLS = 33;
