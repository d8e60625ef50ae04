import type { BpfMapSpec } from '@bpfleet/elf';
import type { Region } from '../memory/address-space.js';
import { PERM_RW, RegionKind } from '../memory/layout.js';
import { BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENOENT } from './errno.js';
import { HashIndex, type HashIndexLayout } from './hash-index.js';
import { keyBytes, keyString, MapError, type MapEnvironment, round8, VmMap } from './map.js';

/**
 * BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH. Values live in preallocated slots
 * (like the kernel's default prealloc) in the map's region; a JS Map indexes key -> slot and, for
 * LRU maps, keeps recency order (lookups and updates move an element to the back; a full LRU map
 * evicts from the front instead of failing with -E2BIG). A `HashIndex` in the VM's memory mirrors
 * key -> slot, so program lookups read the key in place without building a string (and the JIT can
 * probe it inside Wasm); the JS Map stays the source of iteration and LRU order.
 */
export class HashMap extends VmMap {
  readonly region: Region;
  private readonly stride: number;
  private readonly copies: number;
  private readonly slots = new Map<string, number>();
  private readonly free: number[] = [];
  /** The key string of each occupied slot (LRU touches from index lookups). */
  private readonly slotKeys: string[] = [];
  private readonly keyIndex: HashIndex | undefined;

  constructor(index: number, spec: BpfMapSpec, private readonly env: MapEnvironment, perCpu: boolean, private readonly lru: boolean) {
    super(index, spec);
    if (spec.keySize <= 0 || spec.valueSize <= 0 || spec.maxEntries <= 0) {
      throw new MapError(spec.name, 'create', EINVAL, 'key_size, value_size and max_entries must be positive');
    }
    this.stride = round8(spec.valueSize);
    this.copies = perCpu ? env.cpus : 1;
    this.region = env.mem.allocate(`map ${spec.name}`, RegionKind.MapValues, spec.maxEntries * this.stride * this.copies, PERM_RW);
    for (let s = spec.maxEntries - 1; s >= 0; s--) this.free.push(s);
    this.keyIndex = HashIndex.create(env.mem, spec.name, spec.keySize, spec.maxEntries);
  }

  /**
   * Where the key index lives, when a lookup may be done without calling back into JS: a map with
   * one value per element and no LRU order to keep (lookups of LRU maps reorder them).
   */
  get inlineLookup(): (HashIndexLayout & { readonly valuesBase: number; readonly valueStride: number }) | undefined {
    if (!this.keyIndex || this.lru || this.copies !== 1) return undefined;
    const { tableBase, mask, keysBase, keyStride, keySize } = this.keyIndex;
    return { tableBase, mask, keysBase, keyStride, keySize, valuesBase: this.region.base, valueStride: this.stride };
  }

  get size(): number {
    return this.slots.size;
  }

  private slotAddress(slot: number, cpu: number): number {
    return this.region.base + (slot * this.copies + cpu) * this.stride;
  }

  private touch(k: string, slot: number): void {
    if (!this.lru) return;
    this.slots.delete(k);
    this.slots.set(k, slot);
  }

  /** Finds or allocates the slot for a new key; returns -errno on failure. */
  private insertSlot(k: string, key: Uint8Array): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (!this.lru) return -E2BIG;
      const oldest = this.slots.keys().next();
      if (oldest.done) return -E2BIG;
      slot = this.slots.get(oldest.value)!;
      this.slots.delete(oldest.value);
      this.keyIndex?.remove(slot);
    }
    this.slots.set(k, slot);
    this.slotKeys[slot] = k;
    this.keyIndex?.insert(slot, key);
    return slot;
  }

  private removeSlot(k: string, slot: number): void {
    this.slots.delete(k);
    this.keyIndex?.remove(slot);
    this.free.push(slot);
  }

  override programLookup(key: Uint8Array, cpu: number): number {
    const k = keyString(key);
    const slot = this.slots.get(k);
    if (slot === undefined) return 0;
    this.touch(k, slot);
    return this.slotAddress(slot, this.copies === 1 ? 0 : cpu);
  }

  override programLookupAt(u8: Uint8Array, at: number, cpu: number): number {
    if (!this.keyIndex) return this.programLookup(u8.subarray(at, at + this.spec.keySize), cpu);
    const slot = this.keyIndex.find(at);
    if (slot < 0) return 0;
    this.touch(this.slotKeys[slot], slot);
    return this.slotAddress(slot, this.copies === 1 ? 0 : cpu);
  }

  override programUpdate(key: Uint8Array, valueAddress: number, flags: number, cpu: number): number {
    const mode = flags & ~BPF_F_LOCK;
    if (mode > BPF_EXIST) return -EINVAL;
    const k = keyString(key);
    const slot = this.slots.get(k);
    if (slot !== undefined && mode === BPF_NOEXIST) return -EEXIST;
    if (slot === undefined && mode === BPF_EXIST) return -ENOENT;
    if (slot !== undefined) this.touch(k, slot);
    return this.storeValue(slot ?? this.insertSlot(k, key), slot === undefined, valueAddress, cpu);
  }

  /**
   * The key is found through the index in place; only a new element builds its key string (the JS
   * Map that keeps iteration and LRU order needs it), so updating an existing element allocates nothing.
   */
  override programUpdateAt(u8: Uint8Array, at: number, valueAddress: number, flags: number, cpu: number): number {
    if (!this.keyIndex) return super.programUpdateAt(u8, at, valueAddress, flags, cpu);
    const mode = flags & ~BPF_F_LOCK;
    if (mode > BPF_EXIST) return -EINVAL;
    const slot = this.keyIndex.find(at);
    if (slot >= 0 && mode === BPF_NOEXIST) return -EEXIST;
    if (slot < 0 && mode === BPF_EXIST) return -ENOENT;
    if (slot >= 0) {
      this.touch(this.slotKeys[slot], slot);
      return this.storeValue(slot, false, valueAddress, cpu);
    }
    const key = u8.slice(at, at + this.spec.keySize);
    return this.storeValue(this.insertSlot(keyString(key), key), true, valueAddress, cpu);
  }

  /** Copies the program's value into `slot` (or passes on insertSlot's -errno); a new element's other CPUs get zeros. */
  private storeValue(slot: number, fresh: boolean, valueAddress: number, cpu: number): number {
    if (slot < 0) return slot;
    const u8 = this.env.mem.u8;
    // A new per-CPU element: this CPU gets the value, the others zeros (kernel pcpu_init_value).
    if (fresh) for (let c = 0; c < this.copies; c++) u8.fill(0, this.slotAddress(slot, c), this.slotAddress(slot, c) + this.stride);
    const at = this.slotAddress(slot, this.copies === 1 ? 0 : cpu);
    u8.copyWithin(at, valueAddress, valueAddress + this.spec.valueSize);
    return 0;
  }

  override programDelete(key: Uint8Array): number {
    const k = keyString(key);
    const slot = this.slots.get(k);
    if (slot === undefined) return -ENOENT;
    this.removeSlot(k, slot);
    return 0;
  }

  override hostValueSize(): number {
    return this.copies === 1 ? this.spec.valueSize : this.stride * this.copies;
  }

  private read(slot: number): Uint8Array {
    const u8 = this.env.mem.u8;
    if (this.copies === 1) return u8.slice(this.slotAddress(slot, 0), this.slotAddress(slot, 0) + this.spec.valueSize);
    const outBytes = new Uint8Array(this.stride * this.copies);
    for (let c = 0; c < this.copies; c++) {
      const at = this.slotAddress(slot, c);
      outBytes.set(u8.subarray(at, at + this.spec.valueSize), c * this.stride);
    }
    return outBytes;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkSizes('lookup', key);
    const slot = this.slots.get(keyString(key));
    return slot === undefined ? undefined : this.read(slot);
  }

  update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkSizes('update', key, value);
    const mode = flags & ~BPF_F_LOCK;
    if (mode > BPF_EXIST) throw new MapError(this.name, 'update', EINVAL, `invalid flags ${flags}`);
    const k = keyString(key);
    let slot = this.slots.get(k);
    if (slot !== undefined && mode === BPF_NOEXIST) throw new MapError(this.name, 'update', EEXIST, 'key exists');
    if (slot === undefined && mode === BPF_EXIST) throw new MapError(this.name, 'update', ENOENT, 'no such key');
    if (slot === undefined) {
      const got = this.insertSlot(k, key);
      if (got < 0) throw new MapError(this.name, 'update', -got, `map is full (max_entries ${this.spec.maxEntries})`);
      slot = got;
    }
    const u8 = this.env.mem.u8;
    for (let c = 0; c < this.copies; c++) {
      const src = this.copies === 1 ? value : value.subarray(c * this.stride, c * this.stride + this.spec.valueSize);
      u8.fill(0, this.slotAddress(slot, c), this.slotAddress(slot, c) + this.stride);
      u8.set(src.subarray(0, this.spec.valueSize), this.slotAddress(slot, c));
    }
  }

  delete(key: Uint8Array): void {
    this.checkSizes('delete', key);
    if (this.programDelete(key) !== 0) throw new MapError(this.name, 'delete', ENOENT, 'no such key');
  }

  *entries(): Iterable<[Uint8Array, Uint8Array]> {
    for (const [k, slot] of [...this.slots]) yield [keyBytes(k), this.read(slot)];
  }

  /** Keys in iteration order (for bpf_for_each_map_elem). */
  keys(): Uint8Array[] {
    return [...this.slots.keys()].map(keyBytes);
  }

  /** Program-side address of a key's value on `cpu` without touching LRU order, or 0. */
  peekAddress(key: Uint8Array, cpu: number): number {
    const slot = this.slots.get(keyString(key));
    return slot === undefined ? 0 : this.slotAddress(slot, this.copies === 1 ? 0 : cpu);
  }
}
