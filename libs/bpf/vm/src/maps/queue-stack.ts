import type { BpfMapSpec } from '@bpfleet/elf';
import { BPF_EXIST, E2BIG, EINVAL, ENOENT } from './errno.js';
import { MapError, VmMap } from './map.js';

/**
 * BPF_MAP_TYPE_QUEUE (FIFO) and STACK (LIFO): no keys; push with BPF_EXIST overwrites the oldest
 * element when full, otherwise a full map gives -E2BIG; pop/peek on an empty map give -ENOENT.
 */
export class QueueStackMap extends VmMap {
  readonly region = undefined;
  private readonly items: Uint8Array[] = [];

  constructor(index: number, spec: BpfMapSpec, private readonly lifo: boolean) {
    super(index, spec);
    if (spec.keySize !== 0) throw new MapError(spec.name, 'create', EINVAL, 'queue/stack maps have no keys (key_size 0)');
  }

  /** 0 or -errno. */
  push(value: Uint8Array, flags: number): number {
    if (flags !== 0 && flags !== BPF_EXIST) return -EINVAL;
    if (this.items.length >= this.spec.maxEntries) {
      if (flags !== BPF_EXIST) return -E2BIG;
      this.items.shift();
    }
    this.items.push(value);
    return 0;
  }

  /** The next value (removed when `remove`), or undefined when empty. */
  take(remove: boolean): Uint8Array | undefined {
    if (this.items.length === 0) return undefined;
    if (this.lifo) return remove ? this.items.pop() : this.items[this.items.length - 1];
    return remove ? this.items.shift() : this.items[0];
  }

  lookup(): Uint8Array | undefined {
    return this.take(false);
  }
  update(_key: Uint8Array, value: Uint8Array, flags = 0): void {
    if (value.length !== this.spec.valueSize) throw new MapError(this.name, 'push', EINVAL, `value is ${value.length} bytes, expected ${this.spec.valueSize}`);
    const r = this.push(value.slice(), flags);
    if (r < 0) throw new MapError(this.name, 'push', -r, r === -E2BIG ? 'map is full' : `invalid flags ${flags}`);
  }
  delete(): void {
    if (!this.take(true)) throw new MapError(this.name, 'pop', ENOENT, 'map is empty');
  }
  *entries(): Iterable<[Uint8Array, Uint8Array]> {
    const order = this.lifo ? [...this.items].reverse() : this.items;
    for (const v of order) yield [new Uint8Array(0), v];
  }
}
