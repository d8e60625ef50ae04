import type { BpfMapSpec } from '@bpfleet/elf';
import type { ProgramHandle } from '../helpers/types.js';
import { E2BIG, EINVAL, ENOENT } from './errno.js';
import { MapError, VmMap } from './map.js';

/**
 * BPF_MAP_TYPE_PROG_ARRAY: slots of programs for `bpf_tail_call`. The host stores programs with
 * `setProgram`; the byte-level API takes and reports program ids (the slot's index in `programs`
 * the runner registered), since user space stores fds there.
 */
export class ProgArrayMap extends VmMap {
  readonly region = undefined;
  private readonly slots: (ProgramHandle | undefined)[];
  private readonly ids: number[];

  constructor(index: number, spec: BpfMapSpec, private readonly resolve: (id: number) => ProgramHandle | undefined) {
    super(index, spec);
    if (spec.keySize !== 4 || spec.valueSize !== 4) throw new MapError(spec.name, 'create', EINVAL, 'prog array keys and values must be 4 bytes');
    this.slots = new Array(spec.maxEntries);
    this.ids = new Array(spec.maxEntries).fill(-1);
  }

  /** The program in slot `index`, if any (bpf_tail_call). */
  program(index: number): ProgramHandle | undefined {
    return index >= 0 && index < this.slots.length ? this.slots[index] : undefined;
  }

  setProgram(index: number, program: ProgramHandle | undefined, id = -1): void {
    if (index < 0 || index >= this.slots.length) throw new MapError(this.name, 'update', E2BIG, `index ${index} >= max_entries ${this.slots.length}`);
    this.slots[index] = program;
    this.ids[index] = program ? id : -1;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkSizes('lookup', key);
    const i = new DataView(key.buffer, key.byteOffset).getUint32(0, true);
    if (i >= this.slots.length || this.ids[i] < 0) return undefined;
    const value = new Uint8Array(4);
    new DataView(value.buffer).setUint32(0, this.ids[i], true);
    return value;
  }

  update(key: Uint8Array, value: Uint8Array): void {
    this.checkSizes('update', key, value);
    const i = new DataView(key.buffer, key.byteOffset).getUint32(0, true);
    const id = new DataView(value.buffer, value.byteOffset).getUint32(0, true);
    const program = this.resolve(id);
    if (!program) throw new MapError(this.name, 'update', EINVAL, `no program with id ${id}`);
    this.setProgram(i, program, id);
  }

  delete(key: Uint8Array): void {
    this.checkSizes('delete', key);
    const i = new DataView(key.buffer, key.byteOffset).getUint32(0, true);
    if (i >= this.slots.length) throw new MapError(this.name, 'delete', E2BIG, `index ${i} >= max_entries ${this.slots.length}`);
    if (!this.slots[i]) throw new MapError(this.name, 'delete', ENOENT, `slot ${i} is empty`);
    this.setProgram(i, undefined);
  }

  *entries(): Iterable<[Uint8Array, Uint8Array]> {
    for (let i = 0; i < this.slots.length; i++) {
      if (this.ids[i] < 0) continue;
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, i, true);
      yield [key, this.lookup(key)!];
    }
  }
}
