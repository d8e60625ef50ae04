import { libbpf } from './native/libbpf.js';
import type { NativePointer } from './native/koffi.js';
import { sizeOf } from './native/structs.js';
import { KernelClosedError, KernelMapError } from './errors.js';
import { closeFd, mapInfoOf, objGet } from './fd.js';
import { isPerCpu, isReadable, splitPerCpu, userValueSize } from './map-info.js';
import { possibleCpus } from './cpus.js';

const ENOENT = 2;
const ENOSPC = 28;
const EINVAL = 22;
const ENOTSUPP = 524;
const EOPNOTSUPP = 95;

/** `BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`. */
export const enum UpdateFlags {
  ANY = 0,
  NOEXIST = 1,
  EXIST = 2,
}

export interface MapEntry {
  readonly key: Uint8Array;
  /** Raw value; for per-CPU maps the per-CPU slots concatenated CPU by CPU (8-byte aligned each). */
  readonly value: Uint8Array;
}

/** Static facts about a map, from libbpf or the kernel. */
export interface MapDescription {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly btfKeyTypeId: number;
  readonly btfValueTypeId: number;
}

/**
 * A kernel map: typed access through its fd. Keys and values are raw bytes in the kernel's layout;
 * decode them with BTF. Sizes are checked before any syscall so bad input gets a KernelMapError.
 */
export class KernelMap implements MapDescription {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly btfKeyTypeId: number;
  readonly btfValueTypeId: number;
  /** Number of possible CPUs (the per-CPU slot count). */
  readonly cpus: number;
  /** Bytes of one value as user space sees it (per-CPU: rounded to 8 × CPUs). */
  readonly userValueSize: number;
  private currentFd: number;

  constructor(
    fd: number,
    description: MapDescription,
    /** Whether close() closes the fd (pinned re-opens own theirs; libbpf owns an object's). */
    private readonly ownsFd: boolean,
    /** libbpf's `struct bpf_map *` when the map belongs to an open object. */
    readonly native: NativePointer | null = null,
  ) {
    this.currentFd = fd;
    this.name = description.name;
    this.type = description.type;
    this.keySize = description.keySize;
    this.valueSize = description.valueSize;
    this.maxEntries = description.maxEntries;
    this.flags = description.flags;
    this.btfKeyTypeId = description.btfKeyTypeId;
    this.btfValueTypeId = description.btfValueTypeId;
    this.cpus = possibleCpus();
    this.userValueSize = userValueSize(this.type, this.valueSize, this.cpus);
  }

  /** Re-opens a map pinned under bpffs (it survives the process that created it). */
  static openPinned(path: string): KernelMap {
    const fd = objGet(path);
    try {
      const info = mapInfoOf(fd);
      return new KernelMap(fd, info, true);
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }

  get fd(): number {
    if (this.currentFd < 0) throw new KernelClosedError(`map ${this.name}`);
    return this.currentFd;
  }

  get perCpu(): boolean {
    return isPerCpu(this.type);
  }

  get readable(): boolean {
    return isReadable(this.type);
  }

  /** The value for `key`, or undefined when absent. */
  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    const value = Buffer.alloc(this.userValueSize);
    const ret = libbpf().bpf_map_lookup_elem(this.fd, key, value) as number;
    if (ret === -ENOENT) return undefined;
    if (ret < 0) throw new KernelMapError(this.name, 'bpf_map_lookup_elem', -ret);
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  /** Per-CPU lookup split into one value per CPU. */
  lookupPerCpu(key: Uint8Array): Uint8Array[] | undefined {
    const v = this.lookup(key);
    return v && splitPerCpu(v, this.valueSize, this.cpus);
  }

  update(key: Uint8Array, value: Uint8Array, flags: UpdateFlags = UpdateFlags.ANY): void {
    this.checkKey(key);
    if (value.length !== this.userValueSize) {
      throw new KernelMapError(this.name, 'bpf_map_update_elem', EINVAL, `value is ${value.length} bytes, map needs ${this.userValueSize}`);
    }
    const ret = libbpf().bpf_map_update_elem(this.fd, key, value, flags) as number;
    if (ret < 0) throw new KernelMapError(this.name, 'bpf_map_update_elem', -ret);
  }

  /** Deletes `key`; false when it was absent. */
  delete(key: Uint8Array): boolean {
    this.checkKey(key);
    const ret = libbpf().bpf_map_delete_elem(this.fd, key) as number;
    if (ret === -ENOENT) return false;
    if (ret < 0) throw new KernelMapError(this.name, 'bpf_map_delete_elem', -ret);
    return true;
  }

  /** Every key, by bpf_map_get_next_key (one syscall per key). */
  *keys(): IterableIterator<Uint8Array> {
    let prev: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      const ret = libbpf().bpf_map_get_next_key(this.fd, prev, next) as number;
      if (ret === -ENOENT) return;
      if (ret < 0) throw new KernelMapError(this.name, 'bpf_map_get_next_key', -ret);
      yield new Uint8Array(next.buffer, next.byteOffset, next.byteLength);
      prev = next;
    }
  }

  /** Every entry by iteration: get_next_key + lookup per key (two syscalls per entry). */
  *iterate(): IterableIterator<MapEntry> {
    for (const key of this.keys()) {
      const value = this.lookup(key);
      // A key deleted between get_next_key and lookup is simply gone.
      if (value) yield { key, value };
    }
  }

  /**
   * Every entry by BPF_MAP_LOOKUP_BATCH, `chunk` entries per syscall. Falls back to iteration on maps
   * or kernels without batch support.
   */
  lookupBatch(chunk = 4096): MapEntry[] {
    const lib = libbpf();
    let count = Math.max(1, Math.min(chunk, this.maxEntries || chunk));
    const tokenSize = Math.max(8, this.keySize);
    let inBatch: Buffer | null = null;
    let outBatch = Buffer.alloc(tokenSize);
    const opts = { sz: sizeOf('bpf_map_batch_opts'), elem_flags: 0n, flags: 0n };
    const out: MapEntry[] = [];
    for (;;) {
      const keys = Buffer.alloc(this.keySize * count);
      const values = Buffer.alloc(this.userValueSize * count);
      const n = new Uint32Array([count]);
      const ret = lib.bpf_map_lookup_batch(this.fd, inBatch, outBatch, keys, values, n, opts) as number;
      const err = ret < 0 ? -ret : 0;
      if (err && err !== ENOENT) {
        if (err === ENOSPC && count < 1 << 20) {
          // A hash bucket holds more entries than `count`: retry the same position with room for it.
          count *= 2;
          continue;
        }
        if (out.length === 0 && inBatch === null && (err === EINVAL || err === ENOTSUPP || err === EOPNOTSUPP)) {
          return [...this.iterate()];
        }
        throw new KernelMapError(this.name, 'bpf_map_lookup_batch', err);
      }
      const got = n[0]!;
      for (let i = 0; i < got; i++) {
        out.push({
          key: new Uint8Array(keys.buffer, keys.byteOffset + i * this.keySize, this.keySize),
          value: new Uint8Array(values.buffer, values.byteOffset + i * this.userValueSize, this.userValueSize),
        });
      }
      if (err === ENOENT) return out;
      inBatch = outBatch;
      outBatch = Buffer.alloc(tokenSize);
    }
  }

  /** Pins the map at a bpffs path. */
  pin(path: string): void {
    const lib = libbpf();
    const ret = (this.native ? lib.bpf_map__pin(this.native, path) : lib.bpf_obj_pin(this.fd, path)) as number;
    if (ret < 0) throw new KernelMapError(this.name, 'pin', -ret, `pin at ${path}: errno ${-ret}`);
  }

  /** Closes the fd when this handle owns it (an object's maps close with the object). */
  close(): void {
    if (this.currentFd < 0) return;
    if (this.ownsFd) closeFd(this.currentFd);
    this.currentFd = -1;
  }

  /** Marks the handle closed without closing the fd (its object closed it). */
  invalidate(): void {
    this.currentFd = -1;
  }

  private checkKey(key: Uint8Array): void {
    if (key.length !== this.keySize) {
      throw new KernelMapError(this.name, 'key', EINVAL, `key is ${key.length} bytes, map needs ${this.keySize}`);
    }
  }
}
