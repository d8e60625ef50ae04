import type { BpfMapSpec } from '@bpfleet/elf';
import { BpfMapType } from '@bpfleet/elf';
import type { AddressSpace, Region } from '../memory/address-space.js';

/** A host-side map operation failed; `errno` is the positive Linux errno the kernel would return. */
export class MapError extends Error {
  readonly code = 'EMAP';
  constructor(
    readonly map: string,
    readonly operation: string,
    readonly errno: number,
    message: string,
  ) {
    super(`map ${map}: ${operation}: ${message}`);
    this.name = 'MapError';
  }
}

/** Options shared by all maps of one VM. */
export interface MapEnvironment {
  readonly mem: AddressSpace;
  /** Possible CPUs (per-CPU maps hold one value per CPU). */
  readonly cpus: number;
}

/** Round up to a multiple of 8 (per-CPU value stride, ring buffer records). */
export function round8(n: number): number {
  return (n + 7) & ~7;
}

/** Key bytes as a string usable as a JS Map key (one char per byte). */
export function keyString(bytes: Uint8Array): string {
  // One flat string for the common key sizes (a per-byte concatenation builds a rope that the
  // JS Map must flatten before hashing).
  if (bytes.length === 4) return String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (bytes.length === 8) return String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

export function keyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

/**
 * A map in the VM. Program-side operations take and return linear addresses and negative errnos
 * like the helpers; host-side operations (`lookup`, `update`, `delete`, `entries`) work on byte
 * arrays and throw `MapError`. Values of per-CPU maps are, on the host side, all CPUs' values
 * concatenated, each padded to 8 bytes (the kernel's user-space layout).
 */
export abstract class VmMap {
  constructor(
    readonly index: number,
    readonly spec: BpfMapSpec,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get type(): BpfMapType {
    return this.spec.type;
  }

  /** The region holding this map's values (undefined for maps without values in memory). */
  abstract readonly region: Region | undefined;

  /** Program side: address of the value for `key` (current CPU's copy), or 0. */
  programLookup(_key: Uint8Array, _cpu: number): number {
    return 0;
  }
  /**
   * `programLookup` for a key stored in the VM's memory at linear address `at` (already checked):
   * maps override it to read the key in place instead of from a copy.
   */
  programLookupAt(u8: Uint8Array, at: number, cpu: number): number {
    return this.programLookup(u8.subarray(at, at + this.spec.keySize), cpu);
  }
  /** Program side: 0 or a negative errno. */
  programUpdate(_key: Uint8Array, _valueAddress: number, _flags: number, _cpu: number): number {
    return -22;
  }
  /**
   * `programUpdate` with the key read in place at linear address `at` (already checked): maps that can
   * find the key there skip copying it (and building its index string).
   */
  programUpdateAt(u8: Uint8Array, at: number, valueAddress: number, flags: number, cpu: number): number {
    return this.programUpdate(u8.slice(at, at + this.spec.keySize), valueAddress, flags, cpu);
  }
  /** Program side: 0 or a negative errno. */
  programDelete(_key: Uint8Array): number {
    return -22;
  }

  /** Host side: the value bytes (per-CPU: all CPUs), or undefined. */
  abstract lookup(key: Uint8Array): Uint8Array | undefined;
  abstract update(key: Uint8Array, value: Uint8Array, flags?: number): void;
  abstract delete(key: Uint8Array): void;
  /** Host side: every (key, value) pair in iteration order. */
  abstract entries(): Iterable<[Uint8Array, Uint8Array]>;

  /** Host-side value size (per-CPU maps: all CPUs). */
  hostValueSize(): number {
    return this.spec.valueSize;
  }

  protected checkSizes(operation: string, key: Uint8Array, value?: Uint8Array): void {
    if (key.length !== this.spec.keySize) {
      throw new MapError(this.name, operation, 22, `key is ${key.length} bytes, expected ${this.spec.keySize}`);
    }
    if (value && value.length !== this.hostValueSize()) {
      throw new MapError(this.name, operation, 22, `value is ${value.length} bytes, expected ${this.hostValueSize()}`);
    }
  }
}

export function isPerCpu(type: BpfMapType): boolean {
  return type === BpfMapType.PERCPU_ARRAY || type === BpfMapType.PERCPU_HASH || type === BpfMapType.LRU_PERCPU_HASH;
}
