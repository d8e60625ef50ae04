import { BpfMapType, type BpfMapSpec } from '@bpfleet/elf';
import fc from 'fast-check';
import { AddressSpace } from '../memory/address-space.js';
import { PERM_RW, RegionKind } from '../memory/layout.js';
import { BPF_EXIST, BPF_NOEXIST, E2BIG, EEXIST, ENOENT } from './errno.js';
import { HashMap } from './hash.js';

function spec(type: BpfMapType, keySize: number, maxEntries: number): BpfMapSpec {
  return { name: 'h', type, keySize, valueSize: 8, maxEntries, flags: 0, origin: 'btf', section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0, pinning: 0 };
}

type Op = { kind: 'update'; key: number; value: number; flags: number; inPlace: boolean } | { kind: 'delete'; key: number } | { kind: 'lookup'; key: number };

/**
 * The reference: a JS Map in insertion order with the kernel's errnos; exact LRU order for LRU maps
 * (a lookup or update moves the key to the back, a full map evicts the front).
 */
class ModelMap {
  readonly entries = new Map<string, number>();
  constructor(
    private readonly maxEntries: number,
    private readonly lru: boolean,
  ) {}

  update(k: string, value: number, flags: number): number {
    const has = this.entries.has(k);
    if (has && flags === BPF_NOEXIST) return -EEXIST;
    if (!has && flags === BPF_EXIST) return -ENOENT;
    if (!has && this.entries.size >= this.maxEntries) {
      if (!this.lru) return -E2BIG;
      this.entries.delete(this.entries.keys().next().value!);
    }
    if (this.lru) this.entries.delete(k);
    this.entries.set(k, value);
    return 0;
  }

  lookup(k: string): number | undefined {
    const v = this.entries.get(k);
    if (v !== undefined && this.lru) {
      this.entries.delete(k);
      this.entries.set(k, v);
    }
    return v;
  }
}

describe('HashMap key index', () => {
  const keySizes = [4, 6, 8, 12];
  const opArb = (keys: number): fc.Arbitrary<Op> =>
    fc.oneof(
      fc.record({ kind: fc.constant('update' as const), key: fc.nat(keys - 1), value: fc.nat(), flags: fc.constantFrom(0, BPF_NOEXIST, BPF_EXIST), inPlace: fc.boolean() }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.nat(keys - 1) }),
      fc.record({ kind: fc.constant('lookup' as const), key: fc.nat(keys - 1) }),
    );

  it('should agree with a reference map on every update (key copied or read in place), delete and in-place lookup', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...keySizes),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.array(fc.integer(), { minLength: 16, maxLength: 16 }),
        fc.array(opArb(16), { minLength: 40, maxLength: 200 }),
        (keySize, maxEntries, lru, seeds, ops) => {
          const mem = new AddressSpace();
          const map = new HashMap(0, spec(lru ? BpfMapType.LRU_HASH : BpfMapType.HASH, keySize, maxEntries), { mem, cpus: 1 }, false, lru);
          const model = new ModelMap(maxEntries, lru);
          // Keys that differ in few bytes, so many land in the same buckets.
          const keyOf = (i: number): Uint8Array => {
            const k = new Uint8Array(keySize);
            for (let b = 0; b < keySize; b++) k[b] = (seeds[i] >>> ((b % 4) * 8)) & (b < 2 ? 0xff : 0x3);
            return k;
          };
          const pool = seeds.map((_, i) => keyOf(i));
          const ids = new Map(pool.map((k, i) => [k.join(','), i]));
          const keyArea = mem.allocate('keys', RegionKind.Input, 64 + keySize, PERM_RW);
          const valueArea = mem.allocate('value', RegionKind.Input, 8, PERM_RW);
          for (const op of ops) {
            const key = pool[op.key];
            const k = key.join(',');
            if (op.kind === 'update') {
              mem.view.setBigUint64(valueArea.base, BigInt(op.value), true);
              const expected = model.update(k, op.value, op.flags);
              if (op.inPlace) {
                const at = keyArea.base + 1 + (op.key % 7);
                mem.u8.set(key, at);
                expect(map.programUpdateAt(mem.u8, at, valueArea.base, op.flags, 0)).toBe(expected);
              } else {
                expect(map.programUpdate(key, valueArea.base, op.flags, 0)).toBe(expected);
              }
            } else if (op.kind === 'delete') {
              expect(map.programDelete(key)).toBe(model.entries.delete(k) ? 0 : -ENOENT);
            } else {
              // The key at an odd offset: the probe reads it in place, unaligned.
              const at = keyArea.base + 1 + (op.key % 7);
              mem.u8.set(key, at);
              const address = map.programLookupAt(mem.u8, at, 0);
              const expected = model.lookup(k);
              expect(address === 0 ? undefined : Number(mem.view.getBigUint64(address, true))).toBe(expected);
            }
          }
          const got = [...map.entries()].map(([key, value]) => [ids.get(key.join(',')), Number(new DataView(value.buffer).getBigUint64(0, true))]);
          expect(got).toEqual([...model.entries].map(([k, v]) => [ids.get(k), v]));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('should keep working without an index when the address space has no room for one', () => {
    // 64 KiB after the guard: all taken by the 8,000 values, none left for the index.
    const mem = new AddressSpace({ maxBytes: 0x20000 });
    const map = new HashMap(0, spec(BpfMapType.HASH, 4, 8000), { mem, cpus: 1 }, false, false);
    expect(mem.allRegions.map((r) => r.kind)).toEqual([RegionKind.MapValues]);
    const key = Uint8Array.of(1, 2, 3, 4);
    map.update(key, new Uint8Array(new BigUint64Array([42n]).buffer));
    const keyCopy = mem.allRegions[0].base + 63992; // the last (unused) slot's value
    mem.u8.set(key, keyCopy);
    expect(mem.view.getBigUint64(map.programLookupAt(mem.u8, keyCopy, 0), true)).toBe(42n);
    mem.u8.set([9, 9, 9, 9], keyCopy);
    expect(map.programLookupAt(mem.u8, keyCopy, 0)).toBe(0);
  });
});
