import { BpfMapType } from '@bpfleet/elf';
import { KernelMapError } from './errors.js';
import { loadObject } from './object.js';
import { UpdateFlags } from './map.js';
import { corpusObject, itIfKernel, kernelSkipReason } from './testing/fixtures.js';
import { toHex } from './hex.js';

const kit = itIfKernel(kernelSkipReason());

function key(pid: number): Uint8Array {
  const k = new Uint8Array(20);
  new DataView(k.buffer).setUint32(0, pid, true);
  k.set(Buffer.from('bench'), 4);
  return k;
}

function u64(n: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return new Uint8Array(b);
}

describe('KernelMap', () => {
  kit('should update, look up, iterate, batch-read and delete a hash map', () => {
    const obj = loadObject(corpusObject('kernel_openat'), { name: 'kernel_openat' });
    try {
      const map = obj.map('opens');
      expect(map.type).toBe(BpfMapType.HASH);
      for (let i = 1; i <= 3000; i++) map.update(key(i), u64(BigInt(i)));
      expect(toHex(map.lookup(key(42))!)).toBe(toHex(u64(42n)));
      expect(map.lookup(key(99999))).toBeUndefined();
      expect(() => map.update(key(1), u64(0n), UpdateFlags.NOEXIST)).toThrow(KernelMapError);
      const iterated = [...map.iterate()];
      const batched = map.lookupBatch(256); // forces many batches and hash-bucket handling
      expect(iterated).toHaveLength(3000);
      expect(batched).toHaveLength(3000);
      const asMap = (entries: typeof iterated) => new Map(entries.map((e) => [toHex(e.key), toHex(e.value)]));
      expect(asMap(batched)).toEqual(asMap(iterated));
      expect(map.delete(key(42))).toBe(true);
      expect(map.delete(key(42))).toBe(false);
      expect(() => map.lookup(new Uint8Array(3))).toThrow(/key is 3 bytes, map needs 20/);
      expect(() => map.update(key(1), new Uint8Array(3))).toThrow(/value is 3 bytes, map needs 8/);
    } finally {
      obj.close();
    }
  });

  kit('should read and write per-CPU values, one 8-byte-aligned slot per possible CPU', () => {
    const obj = loadObject(corpusObject('kernel_net'), { name: 'kernel_net' });
    try {
      const map = obj.map('xdp_udp');
      expect(map.perCpu).toBe(true);
      expect(map.userValueSize).toBe(8 * map.cpus);
      const value = new Uint8Array(map.userValueSize);
      for (let cpu = 0; cpu < map.cpus; cpu++) value.set(u64(BigInt(cpu + 10)), cpu * 8);
      map.update(new Uint8Array(4), value);
      expect(map.lookupPerCpu(new Uint8Array(4))!.map((v) => Buffer.from(v).readBigUInt64LE())).toEqual(Array.from({ length: map.cpus }, (_, i) => BigInt(i + 10)));
      expect(map.lookupBatch().map((e) => toHex(e.value))).toEqual([toHex(value)]);
    } finally {
      obj.close();
    }
  });
});
