import fc from 'fast-check';
import { AluOp, scalarAlu } from './alu.js';
import { type Scalar, boundOffset, deduceBounds, scalarConst, scalarContains, scalarCopy, scalarUnknown, syncBounds, syncBoundsBig, updateBounds } from './bounds.js';
import { JmpOp, isBranchTaken, negateJmp, refineCond } from './branch.js';
import { U64_MASK, tnumIntersect, tnumRange } from './tnum.js';
import { isSmall, syncSmall } from './sync-small.js';

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);

/** Values biased toward edges so ranges cross the sign and 32-bit boundaries. */
const value = fc.oneof(
  fc.bigInt({ min: 0n, max: U64_MASK }),
  fc.bigInt({ min: -300n, max: 300n }).map(u64),
  fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
  fc.constantFrom(0n, 1n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 1n << 32n, 1n << 63n, U64_MASK, (1n << 63n) - 1n),
);

/** An abstract scalar built from a few concrete members: the tightest facts about them, optionally loosened. */
const abstractWith = fc
  .tuple(fc.array(value, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 7 }))
  .map(([vals, loosen]) => {
    const s = scalarUnknown();
    let and = U64_MASK;
    let or = 0n;
    for (const v of vals) {
      and &= v;
      or |= v;
    }
    if (!(loosen & 1)) s.varOff = tnumIntersect(s.varOff, { value: and, mask: or & ~and });
    if (!(loosen & 2)) {
      s.umin = vals.reduce((a, b) => (a < b ? a : b));
      s.umax = vals.reduce((a, b) => (a > b ? a : b));
      s.smin = vals.map(s64).reduce((a, b) => (a < b ? a : b));
      s.smax = vals.map(s64).reduce((a, b) => (a > b ? a : b));
    }
    if (!(loosen & 4)) {
      s.u32min = vals.map(u32).reduce((a, b) => (a < b ? a : b));
      s.u32max = vals.map(u32).reduce((a, b) => (a > b ? a : b));
      s.s32min = vals.map((v) => s32(v)).reduce((a, b) => (a < b ? a : b));
      s.s32max = vals.map((v) => s32(v)).reduce((a, b) => (a > b ? a : b));
    }
    syncBounds(s);
    return { s, vals };
  });

function concreteAlu(op: AluOp, a: bigint, b: bigint, is64: boolean): bigint {
  const bits = is64 ? 64 : 32;
  const trunc = (x: bigint): bigint => BigInt.asUintN(bits, x);
  const x = trunc(a);
  const y = trunc(b);
  switch (op) {
    case AluOp.ADD: return trunc(x + y);
    case AluOp.SUB: return trunc(x - y);
    case AluOp.MUL: return trunc(x * y);
    case AluOp.AND: return x & y;
    case AluOp.OR: return x | y;
    case AluOp.XOR: return x ^ y;
    case AluOp.NEG: return trunc(-x);
    case AluOp.LSH: return trunc(x << (y & BigInt(bits - 1)));
    case AluOp.RSH: return x >> (y & BigInt(bits - 1));
    case AluOp.ARSH: return trunc(BigInt.asIntN(bits, x) >> (y & BigInt(bits - 1)));
    default: throw new Error('op');
  }
}

function concreteCond(op: number, a: bigint, b: bigint, is32: boolean): boolean {
  const x = is32 ? u32(a) : a;
  const y = is32 ? u32(b) : b;
  const sx = is32 ? s32(x) : s64(x);
  const sy = is32 ? s32(y) : s64(y);
  switch (op) {
    case JmpOp.JEQ: return x === y;
    case JmpOp.JNE: return x !== y;
    case JmpOp.JGT: return x > y;
    case JmpOp.JGE: return x >= y;
    case JmpOp.JLT: return x < y;
    case JmpOp.JLE: return x <= y;
    case JmpOp.JSGT: return sx > sy;
    case JmpOp.JSGE: return sx >= sy;
    case JmpOp.JSLT: return sx < sy;
    case JmpOp.JSLE: return sx <= sy;
    case JmpOp.JSET: return (x & y) !== 0n;
    default: return (x & y) === 0n;
  }
}

const aluOps = [AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.AND, AluOp.OR, AluOp.XOR, AluOp.NEG, AluOp.LSH, AluOp.RSH, AluOp.ARSH];
const jmpOps = [JmpOp.JEQ, JmpOp.JNE, JmpOp.JGT, JmpOp.JGE, JmpOp.JLT, JmpOp.JLE, JmpOp.JSGT, JmpOp.JSGE, JmpOp.JSLT, JmpOp.JSLE, JmpOp.JSET];

describe('scalar bounds', () => {
  it('the abstract values used by the tests contain their members', () => {
    fc.assert(fc.property(abstractWith, ({ s, vals }) => vals.every((v) => scalarContains(s, v))));
  });

  it('ALU transfer functions are sound (64- and 32-bit)', () => {
    const shiftOrAny = fc.oneof(abstractWith, fc.integer({ min: 0, max: 70 }).map((k) => ({ s: scalarConst(BigInt(k)), vals: [BigInt(k)] })));
    fc.assert(
      fc.property(fc.constantFrom(...aluOps), fc.boolean(), abstractWith, shiftOrAny, (op, is64, d, src) => {
        const r: Scalar = scalarCopy(d.s);
        scalarAlu(op, r, src.s, is64);
        for (const a of d.vals)
          for (const b of src.vals) {
            const bits = is64 ? 64n : 32n;
            if ((op === AluOp.LSH || op === AluOp.RSH || op === AluOp.ARSH) && u64(b) >= bits) continue;
            const c = concreteAlu(op, a, b, is64);
            if (!scalarContains(r, c)) throw new Error(`op ${op} is64=${is64} ${a} ${b} -> ${c} not in ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))}`);
          }
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it('branch refinement keeps every pair that satisfies the condition, on both arms', () => {
    fc.assert(
      fc.property(fc.constantFrom(...jmpOps), fc.boolean(), abstractWith, abstractWith, (op, is32, a, b) => {
        for (const [arm, cond] of [[op, true], [negateJmp(op), false]] as const) {
          const ra = scalarCopy(a.s);
          const rb = scalarCopy(b.s);
          const live = refineCond(arm, ra, rb, is32);
          const taken = isBranchTaken(op, a.s, b.s, is32);
          for (const x of a.vals)
            for (const y of b.vals) {
              if (concreteCond(op, x, y, is32) !== cond) continue;
              if (!live) throw new Error(`arm ${arm} declared dead but ${x},${y} reach it`);
              if (!scalarContains(ra, x) || !scalarContains(rb, y)) throw new Error(`arm ${arm} lost ${x},${y}`);
              if (taken === (cond ? 0 : 1)) throw new Error(`is_branch_taken wrong for ${x},${y}`);
            }
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it('constants stay exact through arithmetic', () => {
    const a = scalarConst(5n);
    scalarAlu(AluOp.MUL, a, scalarConst(3n), true);
    expect(a.umin).toBe(15n);
    expect(a.umax).toBe(15n);
    const b = scalarUnknown();
    scalarAlu(AluOp.AND, b, scalarConst(0xffn), true);
    expect([b.umin, b.umax, b.smin, b.smax]).toEqual([0n, 255n, 0n, 255n]);
    expect(b.varOff).toEqual(tnumRange(0n, 255n));
  });
});

describe('syncBounds fast paths', () => {
  /** The kernel's reg_bounds_sync step by step, without the constant shortcut. */
  const fullSync = (s: Scalar): void => {
    updateBounds(s);
    deduceBounds(s);
    boundOffset(s);
    updateBounds(s);
  };
  it('gives exactly what the full sync gives for constants, inside or outside the ranges', () => {
    fc.assert(
      fc.property(abstractWith, value, ({ s: s0 }, c) => {
        const a = scalarCopy(s0);
        a.varOff = { value: c, mask: 0n };
        const b = scalarCopy(a);
        syncBounds(a);
        fullSync(b);
        expect(a).toEqual(b);
      }),
      { numRuns: 3000 },
    );
  });
  it('gives exactly what the full sync gives for any scalar', () => {
    fc.assert(
      fc.property(abstractWith, ({ s: s0 }) => {
        const a = scalarCopy(s0);
        const b = scalarCopy(s0);
        syncBounds(a);
        fullSync(b);
        expect(a).toEqual(b);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('number fast path of syncBounds (tnum in [0, 2^31))', () => {
  const small = fc.oneof(
    fc.bigInt({ min: 0n, max: 0x7fff_ffffn }),
    fc.bigInt({ min: 0n, max: 300n }),
    fc.constantFrom(0n, 1n, 0xffn, 0x100n, 0x7fff_fffen, 0x7fff_ffffn),
  );
  const full = (bits: 32 | 64, signed: boolean) =>
    fc.oneof(small, signed ? fc.bigInt({ min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n }) : fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }));
  /** Any in-regime scalar, including contradictory ones (empty ranges, value/mask overlap) from dead branches. */
  const raw = fc
    .tuple(small, small, fc.tuple(full(64, false), full(64, false), full(64, true), full(64, true), full(32, false), full(32, false), full(32, true), full(32, true)))
    .map(([value, mask, b]): Scalar => ({
      varOff: { value, mask },
      umin: b[0], umax: b[1], smin: b[2], smax: b[3], u32min: b[4], u32max: b[5], s32min: b[6], s32max: b[7],
    }))
    .filter(isSmall);
  /** Consistent in-regime scalars: the tightest facts about a few members, loosened at random. */
  const consistent = fc
    .tuple(fc.array(small, { minLength: 1, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }))
    .map(([vals, keep]): Scalar => {
      const lo = vals.reduce((a, b) => (a < b ? a : b));
      const hi = vals.reduce((a, b) => (a > b ? a : b));
      const and = vals.reduce((a, b) => a & b);
      const or = vals.reduce((a, b) => a | b);
      return {
        varOff: keep[0] ? { value: and, mask: or & ~and } : { value: 0n, mask: 0x7fff_ffffn },
        umin: keep[1] ? lo : 0n, umax: keep[1] ? hi : U64_MASK,
        smin: keep[2] ? lo : -(1n << 63n), smax: keep[2] ? hi : (1n << 63n) - 1n,
        u32min: keep[3] ? lo : 0n, u32max: keep[3] ? hi : 0xffff_ffffn,
        s32min: keep[4] ? lo : -(1n << 31n), s32max: keep[4] ? hi : (1n << 31n) - 1n,
      };
    });
  it.each([['contradictory or not', raw], ['consistent', consistent]] as const)('equals the bigint reg_bounds_sync (%s)', (_name, arb) => {
    fc.assert(
      fc.property(arb, (s0) => {
        expect(isSmall(s0)).toBe(true);
        const a = scalarCopy(s0);
        const b = scalarCopy(s0);
        syncSmall(a);
        syncBoundsBig(b);
        expect(a).toEqual(b);
      }),
      { numRuns: 5000 },
    );
  });
  it('is taken only for a small tnum and bounds the first update clamps', () => {
    fc.assert(
      fc.property(abstractWith, ({ s }) => {
        const inTnum = [s.varOff.value, s.varOff.mask].every((x) => x >= 0n && x <= 0x7fff_ffffn);
        const lows = [s.umin, s.smin, s.u32min, s.s32min].every((x) => x <= 0x7fff_ffffn);
        const highs = [s.umax, s.smax, s.u32max, s.s32max].every((x) => x >= 0n);
        expect(isSmall(s)).toBe(inTnum && lows && highs);
      }),
      { numRuns: 2000 },
    );
  });
});
