import fc from 'fast-check';
import type { Instruction } from '@bpfleet/isa';
import { DualRunner } from './testing/harness.js';

/**
 * The JIT remembers the last region a full memory check passed (per permission and size) and lets
 * later accesses inside it skip the table lookup. Random loops of loads and stores through moving
 * pointers into the input and the stack, near and across the regions' edges: the JIT must end like
 * the interpreter (same r0, memory, or the same fault at the same instruction).
 */

const ins = (opcode: number, dst: number, src: number, offset: number, imm: number): Instruction => ({ opcode, dst, src, offset, imm });
const SIZES = [0x00, 0x08, 0x10, 0x18];

type Step = { kind: 'ldx' | 'stx' | 'st' | 'move'; base: 1 | 6; size: number; offset: number; delta: number };

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('ldx', 'ldx', 'stx', 'st', 'move'),
  base: fc.constantFrom(1 as const, 6 as const),
  size: fc.constantFrom(...SIZES),
  offset: fc.integer({ min: -12, max: 72 }),
  delta: fc.integer({ min: -16, max: 24 }),
});

function program(steps: Step[], rounds: number): Instruction[] {
  const body = steps.map((s) => {
    if (s.kind === 'move') return ins(0x07, s.base, 0, 0, s.delta); // add base, delta
    if (s.kind === 'ldx') return ins(0x61 | s.size, 2 + (s.offset & 3), s.base, s.offset, 0);
    if (s.kind === 'stx') return ins(0x63 | s.size, s.base, 3, s.offset, 0);
    return ins(0x62 | s.size, s.base, 0, s.offset, s.delta);
  });
  return [
    ins(0xbf, 6, 10, 0, 0), // r6 = r10 - 64: a pointer into the stack, checked at run time
    ins(0x07, 6, 0, 0, -64),
    ins(0xb7, 7, 0, 0, rounds),
    ins(0xb7, 3, 0, 0, 0x5a),
    ...body,
    ins(0x07, 7, 0, 0, -1),
    ins(0x55, 7, 0, -(body.length + 2), 0), // jne r7, 0, back to the body
    ins(0xbf, 0, 2, 0, 0),
    ins(0x0f, 0, 1, 0, 0),
    ins(0x95, 0, 0, 0, 0),
  ];
}

describe('JIT region cache against the interpreter', () => {
  it('should end every loop of pointer walks like the interpreter', () => {
    const runner = new DualRunner();
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 16 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 64 }), (steps, rounds, inputLength) => {
        const insns = program(steps, rounds);
        const input = new Uint8Array(inputLength).map((_, i) => i * 7);
        const jit = runner.run('jit', insns, input);
        expect(jit).toEqual(runner.run('interpreter', insns, input));
      }),
      { numRuns: 600 },
    );
  });
});
