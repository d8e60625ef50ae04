import { BpfMapType } from '@bpfleet/elf';
import { decodeMapInfo, isPerCpu, isReadable, splitPerCpu, userValueSize } from './map-info.js';
import { fromHex, toHex } from './hex.js';

describe('map-info', () => {
  it('should round per-CPU values up to 8 bytes per CPU', () => {
    expect(userValueSize(BpfMapType.PERCPU_ARRAY, 4, 3)).toBe(24);
    expect(userValueSize(BpfMapType.PERCPU_HASH, 12, 2)).toBe(32);
    expect(userValueSize(BpfMapType.HASH, 12, 2)).toBe(12);
    expect(isPerCpu(BpfMapType.LRU_PERCPU_HASH)).toBe(true);
    expect(isReadable(BpfMapType.RINGBUF)).toBe(false);
  });

  it('should split a per-CPU value into one slice per CPU', () => {
    const v = fromHex('0100000000000000' + '0200000000000000');
    expect(splitPerCpu(v, 4, 2).map(toHex)).toEqual(['01000000', '02000000']);
  });

  it('should decode struct bpf_map_info', () => {
    const b = new Uint8Array(88);
    const v = new DataView(b.buffer);
    v.setUint32(0, BpfMapType.HASH, true);
    v.setUint32(4, 77, true);
    v.setUint32(8, 4, true);
    v.setUint32(12, 8, true);
    v.setUint32(16, 1024, true);
    b.set(Buffer.from('counts'), 24);
    v.setUint32(68, 3, true);
    v.setUint32(72, 5, true);
    expect(decodeMapInfo(b)).toEqual({ type: 1, id: 77, keySize: 4, valueSize: 8, maxEntries: 1024, flags: 0, name: 'counts', btfKeyTypeId: 3, btfValueTypeId: 5 });
  });

  it('should refuse malformed hex', () => {
    expect(() => fromHex('abc')).toThrow(RangeError);
    expect(() => fromHex('zz')).toThrow(RangeError);
  });
});
