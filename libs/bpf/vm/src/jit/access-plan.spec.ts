import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { Instruction } from '@bpfleet/isa';
import { PERM_READ, PERM_WRITE } from '../memory/layout.js';
import { planAccessChecks } from './access-plan.js';
import { buildCfg } from './cfg.js';
import { DualRunner, type Outcome } from './testing/harness.js';

const ins = (opcode: number, dst: number, src: number, offset: number, imm: number): Instruction => ({ opcode, dst, src, offset, imm });
const EXIT = ins(0x95, 0, 0, 0, 0);

function plan(insns: Instruction[]): ReturnType<typeof planAccessChecks> {
  return planAccessChecks(insns, buildCfg(insns)[0]);
}

describe('planAccessChecks', () => {
  // The shape of clang's packet parsers: ctx loads, then header fields read through the data
  // pointer and through `data + constant` across blocks that each have one predecessor.
  const parser = [
    ins(0x61, 2, 1, 4, 0), // 0: r2 = ctx->data_end
    ins(0x61, 1, 1, 0, 0), // 1: r1 = ctx->data
    ins(0xbf, 3, 1, 0, 0), // 2: r3 = r1
    ins(0x07, 3, 0, 0, 14), // 3: r3 += 14
    ins(0x2d, 3, 2, 7, 0), // 4: if r3 > r2 goto 12
    ins(0x71, 4, 1, 12, 0), // 5: r4 = *(u8 *)(r1 + 12)
    ins(0x71, 5, 3, 0, 0), // 6: r5 = *(u8 *)(r3 + 0)    (r1 + 14)
    ins(0x55, 4, 0, 4, 8), // 7: if r4 != 8 goto 12
    ins(0x71, 0, 1, 23, 0), // 8: r0 = *(u8 *)(r1 + 23)
    ins(0xb7, 1, 0, 0, 0), // 9: r1 = 0                   (r3's root is gone)
    ins(0x71, 0, 3, 1, 0), // 10: r0 = *(u8 *)(r3 + 1)
    ins(0xb7, 0, 0, 0, 0), // 11
    EXIT, // 12
  ];

  it('should cover accesses through one register and its constant offsets across single-predecessor blocks with one check', () => {
    const { groups } = plan(parser);
    expect(groups.get(0)).toEqual({ first: 0, base: 1, lo: 0, hi: 8, perm: PERM_READ });
    expect(groups.get(1)).toBe(groups.get(0));
    const packet = { first: 5, base: 1, lo: 12, hi: 24, perm: PERM_READ };
    for (const pc of [5, 6, 8]) expect(groups.get(pc)).toEqual(packet);
  });

  it('should check an access alone once the register its alias was based on is written', () => {
    expect(plan(parser).groups.has(10)).toBe(false);
  });

  it('should not extend a group into a block that other paths also reach', () => {
    const insns = [
      ins(0x71, 0, 1, 0, 0), // 0: r0 = *(u8 *)(r1 + 0)
      ins(0x15, 0, 0, 1, 0), // 1: if r0 == 0 goto 3
      ins(0x71, 0, 1, 1, 0), // 2: r0 = *(u8 *)(r1 + 1)   (one predecessor: joins)
      ins(0x71, 0, 1, 2, 0), // 3: r0 = *(u8 *)(r1 + 2)   (two predecessors: alone)
      EXIT,
    ];
    const { groups } = plan(insns);
    expect(groups.get(0)).toEqual({ first: 0, base: 1, lo: 0, hi: 2, perm: PERM_READ });
    expect(groups.get(2)).toBe(groups.get(0));
    expect(groups.has(3)).toBe(false);
  });

  it('should not extend a group past a helper call (helpers may move regions)', () => {
    const insns = [
      ins(0xbf, 6, 1, 0, 0), // r6 = r1
      ins(0x71, 0, 6, 0, 0),
      ins(0x85, 0, 0, 0, 5), // call ktime_get_ns
      ins(0x71, 0, 6, 1, 0),
      ins(0x71, 0, 6, 2, 0),
      EXIT,
    ];
    const { groups } = plan(insns);
    expect(groups.has(1)).toBe(false);
    expect(groups.get(3)).toEqual({ first: 3, base: 6, lo: 1, hi: 3, perm: PERM_READ });
  });

  it('should not base a register on its own old value (r1 = r3 where r3 was r1 + 8)', () => {
    // Were r1 taken as "r1 + 8", the group check would look 8 bytes past where the accesses go and
    // pass for the 8 bytes at r1 - 12, which straddle the start of the input region (the stack
    // region ends just before it). Both engines must fault there.
    const insns = [ins(0xbf, 3, 1, 0, 0), ins(0x07, 3, 0, 0, 8), ins(0xbf, 1, 3, 0, 0), ins(0x79, 0, 1, -12, 0), ins(0x71, 0, 1, 0, 0), EXIT];
    expect(plan(insns).groups.get(3)).toEqual({ first: 3, base: 1, lo: -12, hi: 1, perm: PERM_READ });
    const runner = new DualRunner();
    const input = new Uint8Array(64);
    const jit = runner.run('jit', insns, input);
    expect(jit.code).toBe('EFAULT_BOUNDS');
    expect(jit.pc).toBe(3);
    expect(runner.run('interpreter', insns, input)).toMatchObject({ code: 'EFAULT_BOUNDS', pc: 3 });
  });

  it('should end the group of r0 at a compare-and-exchange, which writes r0', () => {
    const insns = [
      ins(0x79, 0, 1, 0, 0), // r0 = *(u64 *)(r1 + 0)
      ins(0x72, 0, 0, 0, 1), // *(u8 *)(r0 + 0) = 1
      ins(0xb7, 2, 0, 0, 0), // r2 = 0
      ins(0xdb, 10, 2, -8, 0xf1), // r0 = cmpxchg(r10 - 8, r0, r2)
      ins(0x72, 0, 0, 1, 1), // *(u8 *)(r0 + 1) = 1   (r0 is another value now)
      EXIT,
    ];
    const { groups } = plan(insns);
    expect(groups.has(1)).toBe(false);
    expect(groups.has(4)).toBe(false);
  });

  it('should record the frame offset r2 holds at a call (a map key on the stack)', () => {
    const insns = [
      ins(0xbf, 2, 10, 0, 0), // r2 = r10
      ins(0x07, 2, 0, 0, -8), // r2 += -8
      ins(0x85, 0, 0, 0, 1), // call map_lookup_elem
      ins(0xbf, 2, 1, 0, 0), // r2 = r1
      ins(0x85, 0, 0, 0, 1), // call map_lookup_elem   (r2 is not on the stack)
      EXIT,
    ];
    expect([...plan(insns).r2FrameOffsets]).toEqual([[2, -8]]);
  });

  it('should prove accesses through r10 plus a constant inside the frame, and only those', () => {
    const insns = [
      ins(0xbf, 6, 10, 0, 0), // r6 = r10
      ins(0x07, 6, 0, 0, -16), // r6 += -16
      ins(0x7a, 6, 0, 8, 1), // *(u64 *)(r6 + 8) = 1     (r10 - 8)
      ins(0x7a, 6, 0, 16, 1), // *(u64 *)(r6 + 16) = 1    (r10 + 0: outside the frame)
      ins(0x17, 6, 0, 0, 512), // r6 -= 512
      ins(0x7b, 6, 1, 0, 0), // *(u64 *)(r6 + 0) = r1    (r10 - 528: outside)
      ins(0x79, 0, 10, -512, 0), // r0 = *(u64 *)(r10 - 512)
      EXIT,
    ];
    const { inFrame, groups } = plan(insns);
    expect([...inFrame].sort((a, b) => a - b)).toEqual([2, 6]);
    expect(groups.get(3)).toEqual({ first: 3, base: 10, lo: -528, hi: 8, perm: PERM_WRITE });
    expect(groups.get(5)).toBe(groups.get(3));
  });
});

/**
 * Random forward-branching programs that address the input region and the stack through moved and
 * offset registers, with offsets that fall inside and outside: the JIT (which shares checks across
 * blocks) must end each exactly like the interpreter, faults at the same instruction included.
 */
describe('JIT with shared access checks against the interpreter', () => {
  const reg = fc.integer({ min: 0, max: 9 });
  const base = fc.constantFrom(1, 1, 6, 7, 8, 10, 3);
  const small = fc.integer({ min: -24, max: 24 });
  const offset = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -8, max: 70 }) }, { weight: 1, arbitrary: fc.integer({ min: -600, max: 600 }) });
  const size = fc.constantFrom(0x00, 0x08, 0x10, 0x18);

  const one = (slot: number, length: number): fc.Arbitrary<Instruction> =>
    fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(1, 3, 6, 7, 8), fc.constantFrom(1, 3, 6, 7, 8, 10)).map(([d, s]) => ins(0xbf, d, s, 0, 0)) },
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(0x07, 0x17), fc.constantFrom(1, 3, 6, 7, 8), small).map(([op, d, k]) => ins(op, d, 0, 0, k)) },
      {
        weight: 8,
        // Atomics with fetch write their source register, compare-and-exchange writes r0.
        arbitrary: fc.tuple(fc.constantFrom('ldx', 'st', 'stx', 'atomic'), size, reg, base, offset, small, fc.constantFrom(0x00, 0x01, 0x41, 0xe1, 0xf1)).map(([kind, sz, r, b, off, imm, aop]) => {
          if (kind === 'ldx') return ins(0x61 | sz, r, b, off, 0);
          if (kind === 'st') return ins(0x62 | sz, b, 0, off, imm);
          if (kind === 'stx') return ins(0x63 | sz, b, r, off, 0);
          return ins(sz === 0x18 ? 0xdb : 0xc3, b, r, off, aop);
        }),
      },
      { weight: 1, arbitrary: fc.tuple(reg, small).map(([d, k]) => ins(0xb7, d, 0, 0, k)) },
      {
        weight: 3,
        arbitrary: fc.tuple(fc.constantFrom(0x15, 0x55, 0x25, 0xa5), reg, small, fc.integer({ min: slot + 1, max: length })).map(([op, d, k, target]) => ins(op, d, 0, target - slot - 1, k)),
      },
    );

  const programArb = fc.integer({ min: 2, max: 30 }).chain((length) =>
    fc.tuple(...Array.from({ length }, (_, slot) => one(slot, length))).map((body) => [...body, ins(0xb7, 0, 0, 0, 7), EXIT]),
  );

  const summarize = (o: Outcome): unknown => ({ r0: o.r0, insns: o.insns, code: o.code, pc: o.pc, error: o.code ? undefined : o.error, stack: createHash('sha256').update(o.stack).digest('hex'), mem: Buffer.from(o.mem).toString('hex') });

  for (const lowering of ['structured', 'dispatch'] as const) {
    it(`should agree on every program (${lowering} lowering)`, () => {
      const runner = new DualRunner(undefined, { lowering });
      const input = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 5) & 0xff);
      fc.assert(
        fc.property(programArb, (program) => {
          expect(summarize(runner.run('jit', program, input))).toEqual(summarize(runner.run('interpreter', program, input)));
        }),
        { numRuns: 400 },
      );
    });
  }
});
