import fc from 'fast-check';
import { structure, type Construct } from './structure.js';

function properlyNested(cs: readonly Construct[]): boolean {
  return cs.every((a) => cs.every((b) => a === b || !(a.start < b.start && b.start < a.end && a.end < b.end)));
}

describe('structure', () => {
  it('should give a forward jump a block that ends at its target', () => {
    expect(structure(3, [{ from: 0, to: 2 }])).toEqual([{ kind: 'block', start: 0, end: 2, target: 2 }]);
  });

  it('should give a backward jump a loop from its target to just after the jump', () => {
    expect(structure(3, [{ from: 2, to: 1 }])).toEqual([{ kind: 'loop', start: 1, end: 3, target: 1 }]);
  });

  it('should open a block that leaves a loop before the loop', () => {
    // loop 1..3 with an exit from block 2 to block 4
    const cs = structure(5, [
      { from: 2, to: 1 },
      { from: 2, to: 4 },
    ])!;
    expect(cs.find((c) => c.kind === 'block')).toMatchObject({ start: 1, end: 4 });
    expect(properlyNested(cs)).toBe(true);
  });

  it('should refuse a jump into the middle of a loop from before it (irreducible)', () => {
    expect(
      structure(5, [
        { from: 0, to: 2 },
        { from: 3, to: 1 },
      ]),
    ).toBeNull();
  });

  it('should always produce properly nested constructs or refuse', () => {
    const edges = fc.array(fc.record({ from: fc.integer({ min: 0, max: 19 }), to: fc.integer({ min: 0, max: 19 }) }), { maxLength: 25 });
    fc.assert(
      fc.property(edges, (es) => {
        const cs = structure(20, es);
        if (cs === null) return;
        expect(properlyNested(cs)).toBe(true);
        for (const { from, to } of es) {
          const c = cs.find((x) => x.target === to && x.kind === (to > from ? 'block' : 'loop'));
          expect(c).toBeDefined();
          // The jump sits inside its construct.
          expect(c!.start <= from && from < c!.end).toBe(true);
        }
      }),
    );
  });
});
