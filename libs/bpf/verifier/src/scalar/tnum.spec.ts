import fc from 'fast-check';
import {
  type Tnum,
  U64_MASK,
  tnum,
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumContains,
  tnumIn,
  tnumIntersect,
  tnumLshift,
  tnumMul,
  tnumNeg,
  tnumOr,
  tnumRange,
  tnumRshift,
  tnumSub,
  tnumXor,
} from './tnum.js';

/** Every concrete value of a tnum (only for small masks). */
function members(t: Tnum): bigint[] {
  const bits: bigint[] = [];
  for (let i = 0n; i < 64n; i++) if ((t.mask >> i) & 1n) bits.push(i);
  const out: bigint[] = [];
  for (let k = 0; k < 1 << bits.length; k++) {
    let v = t.value;
    bits.forEach((b, j) => {
      if ((k >> j) & 1) v |= 1n << b;
    });
    out.push(v);
  }
  return out;
}

/** Random well-formed tnums whose unknown bits sit in the low 5 bits (brute-forceable), with random high bits. */
const smallTnum = fc
  .tuple(fc.bigInt({ min: 0n, max: U64_MASK }), fc.bigInt({ min: 0n, max: 31n }), fc.boolean())
  .map(([v, m, low]) => (low ? tnum(v & 0xffn & ~m, m) : tnum(v & ~m, m)));

const binary: [string, (a: Tnum, b: Tnum) => Tnum, (a: bigint, b: bigint) => bigint][] = [
  ['add', tnumAdd, (a, b) => a + b],
  ['sub', tnumSub, (a, b) => a - b],
  ['mul', tnumMul, (a, b) => a * b],
  ['and', tnumAnd, (a, b) => a & b],
  ['or', tnumOr, (a, b) => a | b],
  ['xor', tnumXor, (a, b) => a ^ b],
];

describe('tnum', () => {
  describe.each(binary)('%s', (_name, abstract, concrete) => {
    it('contains the concrete result for every pair of members (brute force)', () => {
      fc.assert(
        fc.property(smallTnum, smallTnum, (a, b) => {
          const r = abstract(a, b);
          for (const x of members(a)) for (const y of members(b)) if (!tnumContains(r, concrete(x, y) & U64_MASK)) return false;
          return (r.value & r.mask) === 0n;
        }),
        { numRuns: 300 },
      );
    });
  });

  it('shifts and negation are sound', () => {
    fc.assert(
      fc.property(smallTnum, fc.integer({ min: 0, max: 63 }), (a, s) => {
        const sh = BigInt(s);
        return members(a).every(
          (x) =>
            tnumContains(tnumLshift(a, s), (x << sh) & U64_MASK) &&
            tnumContains(tnumRshift(a, s), x >> sh) &&
            tnumContains(tnumArshift(a, s, 64), BigInt.asUintN(64, BigInt.asIntN(64, x) >> sh)) &&
            tnumContains(tnumNeg(a), -x & U64_MASK),
        );
      }),
    );
  });

  it('range covers every value between its bounds', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U64_MASK }), fc.bigInt({ min: 0n, max: 1000n }), (lo, span) => {
        const hi = lo + span > U64_MASK ? U64_MASK : lo + span;
        const r = tnumRange(lo, hi);
        return tnumContains(r, lo) && tnumContains(r, hi) && tnumContains(r, (lo + hi) / 2n);
      }),
    );
  });

  it('intersect keeps the common members and tnumIn matches membership', () => {
    fc.assert(
      fc.property(smallTnum, smallTnum, (a, b) => {
        const i = tnumIntersect(a, b);
        const common = members(a).filter((x) => tnumContains(b, x));
        return common.every((x) => tnumContains(i, x)) && tnumIn(a, b) === members(b).every((x) => tnumContains(a, x));
      }),
    );
  });

  it('matches known kernel results', () => {
    expect(tnumRange(0n, 255n)).toEqual({ value: 0n, mask: 255n });
    expect(tnumAdd(tnum(0n, 3n), tnum(1n, 0n))).toEqual({ value: 0n, mask: 7n });
    expect(tnumAnd(tnum(0n, U64_MASK), tnum(0xffn, 0n))).toEqual({ value: 0n, mask: 0xffn });
  });
});
