import '../wasm-api.js';
import { VmError, VmFault } from './fault.js';
import {
  GUARD_SIZE,
  MAX_MEMORY_BYTES,
  MAX_PAGES,
  MAX_REGIONS,
  PAGE_SHIFT,
  PAGE_SIZE,
  PAGE_TABLE_BASE,
  PERM_READ,
  PERM_WRITE,
  REGION_END,
  REGION_KIND,
  REGION_PERMS,
  REGION_START,
  REGION_TABLE_BASE,
  REGION_WORDS,
  RegionKind,
  WASM_PAGE_SIZE,
} from './layout.js';

/** A named range of the address space with permissions. Its bounds may move inside its capacity. */
export interface Region {
  readonly id: number;
  readonly name: string;
  readonly kind: RegionKind;
  /** First byte of the reserved (page-aligned) range. */
  readonly base: number;
  /** Bytes reserved; the live bounds always stay within [base, base + capacity). */
  readonly capacity: number;
}

export interface AddressSpaceOptions {
  /** Upper bound in bytes (at most MAX_MEMORY_BYTES). */
  readonly maxBytes?: number;
  /** Bytes to commit up front (grows on demand up to maxBytes). */
  readonly initialBytes?: number;
}

/**
 * The VM's single linear memory: a growable, bounded `WebAssembly.Memory` with a page table and a
 * region table kept inside it (see layout.ts), so the interpreter checks accesses with typed-array
 * reads and the JIT can do the same checks in Wasm against the imported memory.
 *
 * Regions are allocated page-aligned and never overlap, so one page belongs to at most one region;
 * the live [start, end) bounds of a region can shrink and grow inside its reservation (a packet that
 * `xdp_adjust_head` moves) without touching the page table.
 */
export class AddressSpace {
  readonly memory: WebAssembly.Memory;
  readonly maxBytes: number;
  /** Views over `memory.buffer`; replaced when the memory grows (see `generation`). */
  u8!: Uint8Array;
  /** The whole memory as u32 words (index = address / 4). */
  u32!: Uint32Array;
  view!: DataView;
  pageTable!: Uint16Array;
  regionTable!: Uint32Array;
  /** Bumped whenever the views are replaced; engines caching views compare it. */
  generation = 0;
  private next = GUARD_SIZE;
  private readonly regions: Region[] = [];

  constructor(options: AddressSpaceOptions = {}) {
    const maxBytes = Math.min(options.maxBytes ?? MAX_MEMORY_BYTES, MAX_MEMORY_BYTES);
    if (maxBytes < GUARD_SIZE + PAGE_SIZE) throw new VmError('EINVAL', `address space of ${maxBytes} bytes is too small`);
    this.maxBytes = maxBytes;
    const initial = Math.max(GUARD_SIZE * 2, Math.min(options.initialBytes ?? 1 << 20, maxBytes));
    this.memory = new WebAssembly.Memory({
      initial: Math.ceil(initial / WASM_PAGE_SIZE),
      maximum: Math.floor(maxBytes / WASM_PAGE_SIZE),
    });
    this.refreshViews();
  }

  /** Current committed size in bytes. */
  get size(): number {
    return this.memory.buffer.byteLength;
  }

  /** Every region allocated so far (index = id - 1). */
  get allRegions(): readonly Region[] {
    return this.regions;
  }

  /**
   * Reserves `capacity` bytes as a new region with the given permissions and bounds covering the
   * whole reservation. Throws `VmError('ENOMEM')` when the address space is exhausted.
   */
  allocate(name: string, kind: RegionKind, capacity: number, perms: number): Region {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new VmError('EINVAL', `region ${name}: bad capacity ${capacity}`);
    const id = this.regions.length + 1;
    if (id >= MAX_REGIONS) throw new VmError('ENOMEM', `region ${name}: more than ${MAX_REGIONS - 1} regions`);
    const base = this.next;
    const reserved = Math.ceil(capacity / PAGE_SIZE) * PAGE_SIZE;
    const end = base + reserved;
    if (end > this.maxBytes) {
      throw new VmError('ENOMEM', `region ${name}: ${capacity} bytes do not fit in the address space (${this.maxBytes - base} left)`);
    }
    if (end > this.size) this.grow(end);
    this.next = end;
    const region: Region = { id, name, kind, base, capacity };
    this.regions.push(region);
    this.pageTable.fill(id, base >>> PAGE_SHIFT, end >>> PAGE_SHIFT);
    const w = id * REGION_WORDS;
    this.regionTable[w + REGION_START] = base;
    this.regionTable[w + REGION_END] = base + capacity;
    this.regionTable[w + REGION_PERMS] = perms;
    this.regionTable[w + REGION_KIND] = kind;
    return region;
  }

  /** Moves a region's live bounds (must stay inside its reservation). */
  setBounds(region: Region, start: number, end: number): void {
    if (start < region.base || end > region.base + region.capacity || start > end) {
      throw new VmError('EINVAL', `region ${region.name}: bounds [0x${start.toString(16)}, 0x${end.toString(16)}) outside its reservation`);
    }
    const w = region.id * REGION_WORDS;
    this.regionTable[w + REGION_START] = start;
    this.regionTable[w + REGION_END] = end;
  }

  /** Current live bounds of a region. */
  bounds(region: Region): { start: number; end: number } {
    const w = region.id * REGION_WORDS;
    return { start: this.regionTable[w + REGION_START], end: this.regionTable[w + REGION_END] };
  }

  setPerms(region: Region, perms: number): void {
    this.regionTable[region.id * REGION_WORDS + REGION_PERMS] = perms;
  }

  regionById(id: number): Region | undefined {
    return this.regions[id - 1];
  }

  /**
   * Checks an access of `size` bytes at the 64-bit address (lo, hi halves as int32) and returns the
   * linear offset. `perm` is PERM_READ or PERM_WRITE. Throws VmFault (pc -1; the engine fills it in).
   */
  check(lo: number, hi: number, size: number, perm: number): number {
    const addr = lo >>> 0;
    if (hi !== 0 || addr >= this.u8.length) throw this.fault(lo, hi, size, perm);
    const id = this.pageTable[addr >>> PAGE_SHIFT];
    if (id === 0) throw this.fault(lo, hi, size, perm);
    const w = id * REGION_WORDS;
    const rt = this.regionTable;
    if (addr < rt[w + REGION_START] || addr + size > rt[w + REGION_END] || (rt[w + REGION_PERMS] & perm) === 0) {
      throw this.fault(lo, hi, size, perm);
    }
    return addr;
  }

  /** `check` for a bigint address (host-side and helper paths). */
  checkBig(address: bigint, size: number, perm: number): number {
    if (address >= 0n && address <= 0xffffffffn) return this.check(Number(address) | 0, 0, size, perm);
    const a = BigInt.asUintN(64, address);
    return this.check(Number(a & 0xffffffffn) | 0, Number(a >> 32n) | 0, size, perm);
  }

  /** Whether an access would pass `check`, without throwing. */
  isAccessible(address: bigint, size: number, perm: number): boolean {
    const a = BigInt.asUintN(64, address);
    if (a >= BigInt(this.u8.length)) return false;
    const addr = Number(a);
    const id = this.pageTable[addr >>> PAGE_SHIFT];
    if (id === 0) return false;
    const w = id * REGION_WORDS;
    const rt = this.regionTable;
    return addr >= rt[w + REGION_START] && addr + size <= rt[w + REGION_END] && (rt[w + REGION_PERMS] & perm) !== 0;
  }

  /** A copy of `size` checked bytes at `address` (helpers reading program memory). */
  readBytes(address: bigint, size: number): Uint8Array {
    if (size === 0) return new Uint8Array(0);
    const at = this.checkBig(address, size, PERM_READ);
    return this.u8.slice(at, at + size);
  }

  /** Copies bytes to a checked `address` (helpers writing program memory). */
  writeBytes(address: bigint, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const at = this.checkBig(address, bytes.length, PERM_WRITE);
    this.u8.set(bytes, at);
  }

  /** Builds the fault for an access refused by `check`, naming the region when there is one. */
  fault(lo: number, hi: number, size: number, perm: number): VmFault {
    const address = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    const write = (perm & PERM_WRITE) !== 0;
    if (hi !== 0 || lo >>> 0 >= this.u8.length) return new VmFault('EFAULT_UNMAPPED', -1, address, size, write);
    const id = this.pageTable[(lo >>> 0) >>> PAGE_SHIFT];
    const region = id === 0 ? undefined : this.regionById(id);
    if (!region) return new VmFault('EFAULT_UNMAPPED', -1, address, size, write);
    const perms = this.regionTable[id * REGION_WORDS + REGION_PERMS];
    const code = (perms & perm) === 0 ? 'EFAULT_PERM' : 'EFAULT_BOUNDS';
    return new VmFault(code, -1, address, size, write, region.name);
  }

  private grow(bytes: number): void {
    const pages = Math.ceil(bytes / WASM_PAGE_SIZE) - this.memory.buffer.byteLength / WASM_PAGE_SIZE;
    if (pages > 0) this.memory.grow(pages);
    this.refreshViews();
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    this.u8 = new Uint8Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.view = new DataView(buffer);
    this.pageTable = new Uint16Array(buffer, PAGE_TABLE_BASE, MAX_PAGES);
    this.regionTable = new Uint32Array(buffer, REGION_TABLE_BASE, MAX_REGIONS * REGION_WORDS);
    this.generation++;
  }
}

