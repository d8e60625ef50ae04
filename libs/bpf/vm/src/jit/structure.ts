/**
 * Structured control flow for eBPF's arbitrary jumps ("stackifier").
 *
 * Blocks stay in program order. Every forward jump target t gets a Wasm `block` that ends right
 * before t and opens before the earliest jump to it; every backward target gets a `loop` that opens
 * at t and closes after the last jump back to it. Wasm needs these intervals properly nested, so a
 * fixpoint widens them (block starts move earlier, loop ends move later) until no two cross. The only
 * crossing widening cannot fix is a jump from before a loop into its middle: an irreducible flow,
 * for which `structure` returns null and the compiler uses a dispatch loop instead.
 */

export interface Construct {
  readonly kind: 'block' | 'loop';
  /** Position (block index) where it opens. */
  start: number;
  /** Position where it closes (the forward target for blocks). */
  end: number;
  /** The jump target it serves: a block's end, a loop's start. */
  readonly target: number;
}

/** One edge between basic blocks (`from` jumps to `to`; fallthrough is not an edge). */
export interface Edge {
  readonly from: number;
  readonly to: number;
}

/** Pair checks the widening may spend before giving up on structured flow for a function. */
const MAX_WORK = 50_000_000;

/** Constructs in a valid nesting, or null when the flow is irreducible in program order. */
export function structure(blockCount: number, edges: readonly Edge[]): Construct[] | null {
  const blocks = new Map<number, Construct>();
  const loops = new Map<number, Construct>();
  for (const { from, to } of edges) {
    if (to > from) {
      const b = blocks.get(to);
      if (b) b.start = Math.min(b.start, from);
      else blocks.set(to, { kind: 'block', start: from, end: to, target: to });
    } else {
      const l = loops.get(to);
      if (l) l.end = Math.max(l.end, from + 1);
      else loops.set(to, { kind: 'loop', start: to, end: from + 1, target: to });
    }
  }
  const all = [...blocks.values(), ...loops.values()];
  for (const c of all) if (c.end > blockCount) return null;

  // Widen until nothing crosses. Starts only decrease and ends only increase, so this terminates;
  // past a work limit (huge functions with many crossings) the dispatch loop is the cheaper choice.
  let work = 0;
  for (let changed = true; changed; ) {
    changed = false;
    work += all.length * all.length;
    if (work > MAX_WORK) return null;
    for (const a of all) {
      for (const b of all) {
        if (a === b || !(a.start < b.start && b.start < a.end && a.end < b.end)) continue;
        // a opens first, b opens inside a and outlives it.
        if (b.kind === 'block') {
          b.start = a.start; // open b before a (at the same position, longer constructs go outside)
        } else if (a.kind === 'loop') {
          a.end = b.end; // stretch the outer loop over the inner one
        } else {
          return null; // a block that ends inside a loop it starts before: a jump into the loop body
        }
        changed = true;
      }
    }
  }
  return all;
}
