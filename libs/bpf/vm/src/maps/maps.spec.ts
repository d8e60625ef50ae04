import { BpfMapType, type BpfMapSpec } from '@bpfleet/elf';
import { AddressSpace } from '../memory/address-space.js';
import { ArrayMap } from './array.js';
import { BPF_EXIST, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENOENT } from './errno.js';
import { HashMap } from './hash.js';
import { MapError } from './map.js';
import { PerfEventArrayMap, BPF_F_CURRENT_CPU } from './perf-event-array.js';
import { QueueStackMap } from './queue-stack.js';
import { RingBufMap, RINGBUF_HDR_SIZE } from './ringbuf.js';

function spec(type: BpfMapType, keySize: number, valueSize: number, maxEntries: number, flags = 0): BpfMapSpec {
  return { name: `m${type}`, type, keySize, valueSize, maxEntries, flags, origin: 'btf', section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0, pinning: 0 };
}
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: bigint) => new Uint8Array(new BigUint64Array([n]).buffer);

describe('maps', () => {
  let mem: AddressSpace;
  beforeEach(() => {
    mem = new AddressSpace();
  });
  const env = () => ({ mem, cpus: 2 });

  describe(HashMap.name, () => {
    it('should follow the kernel flags and errnos on the host side', () => {
      const map = new HashMap(0, spec(BpfMapType.HASH, 4, 8, 2), env(), false, false);
      expect(() => map.update(u32(1), u64(5n), BPF_EXIST)).toThrow(expect.objectContaining({ errno: ENOENT }));
      map.update(u32(1), u64(5n), BPF_NOEXIST);
      expect(() => map.update(u32(1), u64(6n), BPF_NOEXIST)).toThrow(expect.objectContaining({ errno: EEXIST }));
      map.update(u32(2), u64(7n));
      expect(() => map.update(u32(3), u64(8n))).toThrow(expect.objectContaining({ errno: E2BIG }));
      expect(() => map.update(u32(3), u64(8n), 9)).toThrow(expect.objectContaining({ errno: EINVAL }));
      expect(() => map.update(u32(1), new Uint8Array(4))).toThrow(MapError);
      expect(map.lookup(u32(1))).toEqual(u64(5n));
      map.delete(u32(1));
      expect(() => map.delete(u32(1))).toThrow(expect.objectContaining({ errno: ENOENT }));
      expect([...map.entries()]).toEqual([[u32(2), u64(7n)]]);
    });

    it('should hand programs a pointer into the value arena', () => {
      const map = new HashMap(0, spec(BpfMapType.HASH, 4, 8, 4), env(), false, false);
      map.update(u32(9), u64(0x1122n));
      const at = map.programLookup(u32(9), 0);
      expect(at).toBeGreaterThan(0);
      mem.view.setBigUint64(at, 0x3344n, true);
      expect(map.lookup(u32(9))).toEqual(u64(0x3344n));
      expect(map.programLookup(u32(10), 0)).toBe(0);
    });

    it('should evict the least recently used element when an LRU map is full', () => {
      const map = new HashMap(0, spec(BpfMapType.LRU_HASH, 4, 8, 2), env(), false, true);
      map.update(u32(1), u64(1n));
      map.update(u32(2), u64(2n));
      map.programLookup(u32(1), 0); // 1 is now the most recent
      map.update(u32(3), u64(3n));
      expect(map.lookup(u32(2))).toBeUndefined();
      expect(map.lookup(u32(1))).toEqual(u64(1n));
      expect(map.lookup(u32(3))).toEqual(u64(3n));
    });

    it('should keep one 8-byte aligned value per CPU in per-CPU hashes', () => {
      const map = new HashMap(0, spec(BpfMapType.PERCPU_HASH, 4, 4, 4), env(), true, false);
      const value = new Uint8Array(16);
      value.set(u32(7), 0);
      value.set(u32(9), 8);
      map.update(u32(1), value);
      expect(mem.view.getUint32(map.programLookup(u32(1), 1), true)).toBe(9);
      expect(map.lookup(u32(1))).toEqual(value);
    });
  });

  describe(ArrayMap.name, () => {
    it('should refuse deletes, NOEXIST and out-of-range indices like the kernel', () => {
      const map = new ArrayMap(0, spec(BpfMapType.ARRAY, 4, 4, 3), env(), false);
      expect(map.lookup(u32(2))).toEqual(new Uint8Array(4));
      expect(() => map.update(u32(3), u32(1))).toThrow(expect.objectContaining({ errno: E2BIG }));
      expect(() => map.update(u32(1), u32(1), BPF_NOEXIST)).toThrow(expect.objectContaining({ errno: EEXIST }));
      expect(() => map.delete(u32(1))).toThrow(expect.objectContaining({ errno: EINVAL }));
      expect([...map.entries()].length).toBe(3);
    });
  });

  describe(RingBufMap.name, () => {
    it('should deliver submitted samples in order, skip discarded ones and wrap around', () => {
      const map = new RingBufMap(0, spec(BpfMapType.RINGBUF, 0, 0, 4096), env());
      const seen: number[] = [];
      for (let round = 0; round < 40; round++) {
        const a = map.reserve(100);
        const b = map.reserve(100);
        expect(a).toBeGreaterThan(0);
        mem.u8.fill(round & 0xff, a, a + 100);
        map.commit(b, true);
        map.commit(a, false);
        map.consume((sample) => seen.push(sample[0], sample[99], sample.length));
      }
      expect(seen.length).toBe(120);
      for (let round = 0; round < 40; round++) expect(seen.slice(round * 3, round * 3 + 3)).toEqual([round, round, 100]);
      expect(map.query(1)).toBe(4096n);
    });

    it('should refuse reservations larger than the free space', () => {
      const map = new RingBufMap(0, spec(BpfMapType.RINGBUF, 0, 0, 4096), env());
      expect(map.reserve(4096)).toBe(0);
      const a = map.reserve(4000);
      expect(a).toBeGreaterThan(0);
      expect(map.reserve(200)).toBe(0);
      map.commit(a, false);
      expect(map.consume(() => undefined)).toBe(1);
      expect(map.reserve(200)).toBeGreaterThan(0);
      expect(RINGBUF_HDR_SIZE).toBe(8);
    });
  });

  describe(QueueStackMap.name, () => {
    it('should pop in FIFO order and overwrite the oldest with BPF_EXIST', () => {
      const map = new QueueStackMap(0, spec(BpfMapType.QUEUE, 0, 4, 2), false);
      expect(map.push(u32(1), 0)).toBe(0);
      expect(map.push(u32(2), 0)).toBe(0);
      expect(map.push(u32(3), 0)).toBe(-E2BIG);
      expect(map.push(u32(3), BPF_EXIST)).toBe(0);
      expect(map.take(true)).toEqual(u32(2));
      expect(map.take(true)).toEqual(u32(3));
      expect(map.take(true)).toBeUndefined();
    });
  });

  describe(PerfEventArrayMap.name, () => {
    it('should queue samples per CPU and refuse indices past max_entries', () => {
      const map = new PerfEventArrayMap(0, spec(BpfMapType.PERF_EVENT_ARRAY, 4, 4, 2), env());
      expect(map.output(BigInt(BPF_F_CURRENT_CPU), u32(5), 1)).toBe(0);
      expect(map.output(0n, u32(6), 1)).toBe(0);
      expect(map.output(2n, u32(7), 0)).toBe(-E2BIG);
      expect(map.drain()).toEqual([
        { cpu: 0, data: u32(6) },
        { cpu: 1, data: u32(5) },
      ]);
    });
  });
});
