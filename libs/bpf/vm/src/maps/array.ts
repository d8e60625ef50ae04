import type { BpfMapSpec } from '@bpfleet/elf';
import type { Region } from '../memory/address-space.js';
import { PERM_READ, PERM_RW, RegionKind } from '../memory/layout.js';
import { BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, E2BIG, EEXIST, EINVAL } from './errno.js';
import { MapError, type MapEnvironment, round8, VmMap } from './map.js';

/** `BPF_F_RDONLY_PROG`: the program may only read the values (`.rodata`). */
export const BPF_F_RDONLY_PROG = 0x80;

/**
 * BPF_MAP_TYPE_ARRAY and PERCPU_ARRAY (and global data sections, which are 1-entry arrays): values
 * preallocated back to back, 8-byte aligned, zero-initialised; keys are u32 indices; elements
 * cannot be deleted (-EINVAL) and NOEXIST always fails (-EEXIST) since every index exists.
 */
export class ArrayMap extends VmMap {
  readonly region: Region;
  /** Bytes per value copy (value size rounded up to 8). */
  readonly stride: number;
  /** Copies of each value: the CPU count for per-CPU arrays, else 1. */
  readonly copies: number;

  constructor(index: number, spec: BpfMapSpec, private readonly env: MapEnvironment, perCpu: boolean) {
    super(index, spec);
    if (spec.keySize !== 4) throw new MapError(spec.name, 'create', EINVAL, `array keys must be 4 bytes, not ${spec.keySize}`);
    if (spec.maxEntries <= 0 || spec.valueSize <= 0) throw new MapError(spec.name, 'create', EINVAL, 'max_entries and value_size must be positive');
    this.stride = round8(spec.valueSize);
    this.copies = perCpu ? env.cpus : 1;
    const readOnly = (spec.flags & BPF_F_RDONLY_PROG) !== 0;
    const kind = readOnly ? RegionKind.ReadOnlyData : RegionKind.MapValues;
    this.region = env.mem.allocate(`map ${spec.name}`, kind, spec.maxEntries * this.stride * this.copies, readOnly ? PERM_READ : PERM_RW);
    if (spec.initialData) env.mem.u8.set(spec.initialData.subarray(0, spec.valueSize), this.region.base);
  }

  /** Address of element `i`'s value on `cpu`. */
  valueAddress(i: number, cpu = 0): number {
    return this.region.base + (i * this.copies + cpu) * this.stride;
  }

  private indexOf(key: Uint8Array): number {
    return (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0;
  }

  override programLookup(key: Uint8Array, cpu: number): number {
    return this.programLookupIndex(this.indexOf(key), cpu);
  }

  override programLookupAt(u8: Uint8Array, at: number, cpu: number): number {
    return this.programLookupIndex((u8[at] | (u8[at + 1] << 8) | (u8[at + 2] << 16) | (u8[at + 3] << 24)) >>> 0, cpu);
  }

  /** `programLookup` for an already decoded key (an unsigned 32-bit index). */
  programLookupIndex(i: number, cpu: number): number {
    return i < this.spec.maxEntries ? this.valueAddress(i, this.copies === 1 ? 0 : cpu) : 0;
  }

  override programUpdate(key: Uint8Array, valueAddress: number, flags: number, cpu: number): number {
    return this.programUpdateIndex(this.indexOf(key), valueAddress, flags, cpu);
  }

  override programUpdateAt(u8: Uint8Array, at: number, valueAddress: number, flags: number, cpu: number): number {
    return this.programUpdateIndex((u8[at] | (u8[at + 1] << 8) | (u8[at + 2] << 16) | (u8[at + 3] << 24)) >>> 0, valueAddress, flags, cpu);
  }

  private programUpdateIndex(i: number, valueAddress: number, flags: number, cpu: number): number {
    if ((flags & ~BPF_F_LOCK) > BPF_EXIST) return -EINVAL;
    if (i >= this.spec.maxEntries) return -E2BIG;
    if ((flags & ~BPF_F_LOCK) === BPF_NOEXIST) return -EEXIST;
    const u8 = this.env.mem.u8;
    u8.copyWithin(this.valueAddress(i, this.copies === 1 ? 0 : cpu), valueAddress, valueAddress + this.spec.valueSize);
    return 0;
  }

  override programDelete(): number {
    return -EINVAL;
  }

  override hostValueSize(): number {
    return this.copies === 1 ? this.spec.valueSize : this.stride * this.copies;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkSizes('lookup', key);
    const i = this.indexOf(key);
    if (i >= this.spec.maxEntries) return undefined;
    return this.read(i);
  }

  private read(i: number): Uint8Array {
    const u8 = this.env.mem.u8;
    if (this.copies === 1) return u8.slice(this.valueAddress(i), this.valueAddress(i) + this.spec.valueSize);
    const outBytes = new Uint8Array(this.stride * this.copies);
    for (let cpu = 0; cpu < this.copies; cpu++) {
      const at = this.valueAddress(i, cpu);
      outBytes.set(u8.subarray(at, at + this.spec.valueSize), cpu * this.stride);
    }
    return outBytes;
  }

  update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkSizes('update', key, value);
    const i = this.indexOf(key);
    if ((flags & ~BPF_F_LOCK) > BPF_EXIST) throw new MapError(this.name, 'update', EINVAL, `invalid flags ${flags}`);
    if (i >= this.spec.maxEntries) throw new MapError(this.name, 'update', E2BIG, `index ${i} >= max_entries ${this.spec.maxEntries}`);
    if ((flags & ~BPF_F_LOCK) === BPF_NOEXIST) throw new MapError(this.name, 'update', EEXIST, `index ${i} exists`);
    const u8 = this.env.mem.u8;
    if (this.copies === 1) {
      u8.set(value, this.valueAddress(i));
      return;
    }
    for (let cpu = 0; cpu < this.copies; cpu++) {
      u8.set(value.subarray(cpu * this.stride, cpu * this.stride + this.spec.valueSize), this.valueAddress(i, cpu));
    }
  }

  delete(key: Uint8Array): void {
    this.checkSizes('delete', key);
    throw new MapError(this.name, 'delete', EINVAL, 'array elements cannot be deleted');
  }

  *entries(): Iterable<[Uint8Array, Uint8Array]> {
    for (let i = 0; i < this.spec.maxEntries; i++) {
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, i, true);
      yield [key, this.read(i)];
    }
  }
}
