import fc from 'fast-check';
import { AddressSpace } from './address-space.js';
import { VmFault } from './fault.js';
import { GUARD_SIZE, PERM_READ, PERM_RW, PERM_WRITE, RegionKind } from './layout.js';

function toHalves(address: bigint): [number, number] {
  const a = BigInt.asUintN(64, address);
  return [Number(a & 0xffffffffn) | 0, Number(a >> 32n) | 0];
}

describe(AddressSpace.name, () => {
  it('should refuse NULL, the guard and addresses with a high half', () => {
    const space = new AddressSpace();
    space.allocate('stack', RegionKind.Stack, 4096, PERM_RW);
    for (const address of [0n, 8n, BigInt(GUARD_SIZE - 8), 1n << 32n, -1n]) {
      const [lo, hi] = toHalves(address);
      expect(() => space.check(lo, hi, 8, PERM_READ)).toThrow(VmFault);
    }
  });

  it('should allow accesses inside a region and refuse those crossing its ends', () => {
    const space = new AddressSpace();
    const r = space.allocate('ctx', RegionKind.Context, 24, PERM_RW);
    expect(space.check(r.base, 0, 8, PERM_READ)).toBe(r.base);
    expect(space.check(r.base + 16, 0, 8, PERM_WRITE)).toBe(r.base + 16);
    expect(() => space.check(r.base + 20, 0, 8, PERM_READ)).toThrow(/outside region ctx/);
    expect(() => space.check(r.base - 1, 0, 1, PERM_READ)).toThrow(VmFault);
  });

  it('should refuse stores to read-only regions', () => {
    const space = new AddressSpace();
    const r = space.allocate('.rodata', RegionKind.ReadOnlyData, 64, PERM_READ);
    expect(space.check(r.base, 0, 4, PERM_READ)).toBe(r.base);
    expect(() => space.check(r.base, 0, 4, PERM_WRITE)).toThrow(/read-only/);
  });

  it('should honour moved bounds', () => {
    const space = new AddressSpace();
    const r = space.allocate('packet', RegionKind.Packet, 8192, PERM_RW);
    space.setBounds(r, r.base + 256, r.base + 300);
    expect(() => space.check(r.base, 0, 1, PERM_READ)).toThrow(VmFault);
    expect(space.check(r.base + 256, 0, 44, PERM_READ)).toBe(r.base + 256);
    expect(() => space.check(r.base + 256, 0, 45, PERM_READ)).toThrow(VmFault);
  });

  it('should refuse regions beyond the bound with ENOMEM', () => {
    const space = new AddressSpace({ maxBytes: 1 << 20 });
    expect(() => space.allocate('big', RegionKind.MapValues, 2 << 20, PERM_RW)).toThrow(/do not fit/);
  });

  it('should never accept an access that leaves every region (property)', () => {
    const space = new AddressSpace();
    const regions = [
      space.allocate('a', RegionKind.Stack, 4096, PERM_RW),
      space.allocate('b', RegionKind.Context, 100, PERM_RW),
      space.allocate('c', RegionKind.ReadOnlyData, 5000, PERM_READ),
    ];
    const address = fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.integer({ min: 0, max: space.size + 100 }).map(BigInt),
      fc.constantFrom(...regions.map((r) => BigInt(r.base))).chain((b) => fc.integer({ min: -16, max: 5100 }).map((d) => b + BigInt(d))),
    );
    fc.assert(
      fc.property(address, fc.constantFrom(1, 2, 4, 8), fc.constantFrom(PERM_READ, PERM_WRITE), (addr, size, perm) => {
        const a = BigInt.asUintN(64, addr);
        const inside = regions.find((r) => {
          const { start, end } = space.bounds(r);
          const perms = r.name === 'c' ? PERM_READ : PERM_RW;
          return a >= BigInt(start) && a + BigInt(size) <= BigInt(end) && (perms & perm) !== 0;
        });
        const [lo, hi] = toHalves(a);
        let got: number | undefined;
        try {
          got = space.check(lo, hi, size, perm);
        } catch (e) {
          expect(e).toBeInstanceOf(VmFault);
        }
        expect(got !== undefined).toBe(inside !== undefined);
        expect(space.isAccessible(a, size, perm)).toBe(inside !== undefined);
        if (got !== undefined) expect(BigInt(got)).toBe(a);
      }),
      { numRuns: 3000 },
    );
  });
});
