import type { Instruction } from '@bpfleet/isa';
import { PERM_READ, PERM_WRITE, STACK_FRAME_SIZE } from '../memory/layout.js';
import { isPacketLoad, jumpTarget, lastInsn, OP_CALL, OP_CALLX, OP_EXIT, OP_LDDW, type FunctionCfg } from './cfg.js';

/**
 * Accesses whose run-time checks one range check covers: the check runs at `first` over
 * [base + lo, base + hi) with `perm`, where `base` is the register holding the value every member
 * is addressed from. A member is addressed through its own register (which may be `base` plus a
 * constant), so only the check is shared.
 */
export interface AccessGroup {
  readonly first: number;
  readonly base: number;
  readonly lo: number;
  readonly hi: number;
  readonly perm: number;
}

export interface AccessPlan {
  /** Access pc -> the group covering it (accesses checked alone are absent). */
  readonly groups: ReadonlyMap<number, AccessGroup>;
  /** Accesses proven inside the current 512-byte stack frame: r10, or r10 plus a constant, and an offset. */
  readonly inFrame: ReadonlySet<number>;
  /** Call pc -> k when r2 holds r10 + k there (a map key on the stack, as clang passes it). */
  readonly r2FrameOffsets: ReadonlyMap<number, number>;
}

/** The memory access an instruction makes (base register, offset, size, permission), if any. */
export interface MemoryAccess {
  readonly base: number;
  readonly offset: number;
  readonly size: number;
  readonly perm: number;
}

/** A group's range stays small so it cannot span regions by accident of layout (one check per 4 KiB). */
export const MAX_GROUP_SPAN = 4096;

const SIZE_BYTES = [4, 2, 1, 8];

export function memoryAccess(insn: Instruction): MemoryAccess | undefined {
  const cls = insn.opcode & 0x07;
  const mode = insn.opcode & 0xe0;
  const size = SIZE_BYTES[(insn.opcode >> 3) & 3];
  if (cls === 0x01 && (mode === 0x60 || mode === 0x80)) return { base: insn.src, offset: insn.offset, size, perm: PERM_READ };
  if ((cls === 0x02 || cls === 0x03) && mode === 0x60) return { base: insn.dst, offset: insn.offset, size, perm: PERM_WRITE };
  if (cls === 0x03 && mode === 0xc0) return { base: insn.dst, offset: insn.offset, size, perm: PERM_READ | PERM_WRITE };
  return undefined;
}

/** Whether an instruction (other than lddw, calls and packet loads, which end blocks or are handled apart) writes `reg`. */
export function writesRegister(insn: Instruction, reg: number): boolean {
  const cls = insn.opcode & 0x07;
  if (cls === 0x04 || cls === 0x07 || cls === 0x01) return insn.dst === reg;
  if (cls === 0x03 && (insn.opcode & 0xe0) === 0xc0) {
    if (insn.imm === 0xf1) return reg === 0;
    return insn.src === reg && (insn.imm & 1) === 1;
  }
  return false;
}

const OP_JA = 0x05;
const OP_JA32 = 0x06;

/** Ends a block after which regions may have moved (a host call) or that has no fall-through. */
function endsWithHostCall(insn: Instruction): boolean {
  const op = insn.opcode;
  return op === OP_CALL || op === OP_CALLX || isPacketLoad(op);
}

/** What a register is known to hold: another register's current value plus a constant. */
interface Alias {
  readonly root: number;
  readonly offset: number;
}

interface OpenGroup {
  /** The register the group's range is relative to. */
  readonly root: number;
  readonly pcs: number[];
  lo: number;
  hi: number;
  perm: number;
}

/** The state carried along a path of an extended basic block: aliases and the groups still open, per root register. */
interface PathState {
  readonly alias: (Alias | undefined)[];
  readonly open: Map<number, OpenGroup>;
}

/**
 * Plans the memory checks of one function. Groups extend over extended basic blocks (trees of
 * blocks that each have a single predecessor), so a check at the group's first access dominates
 * every member; a group ends where its base register is written, and nothing crosses a host call
 * (helpers may move regions). Registers set to another register plus a constant (`r3 = r1;
 * r3 += 14`) address into their root's group. A group whose range check fails at run time falls
 * back to checking each member alone, so faults stay exactly where the interpreter raises them.
 */
export function planAccessChecks(insns: readonly Instruction[], cfg: FunctionCfg): AccessPlan {
  const { blocks } = cfg;
  const lastOf = blocks.map((b) => lastInsn(insns, b));
  const preds = new Uint32Array(blocks.length);
  const children: number[][] = blocks.map(() => []);
  preds[0]++; // the function's entry
  const successors = (b: number): number[] => {
    const last = insns[lastOf[b]];
    const out: number[] = [];
    if (last.opcode === OP_EXIT) return out;
    const target = jumpTarget(last, lastOf[b]);
    if (target >= 0) {
      const to = cfg.blockAt.get(target);
      if (to !== undefined) out.push(to);
    }
    if (last.opcode !== OP_JA && last.opcode !== OP_JA32 && b + 1 < blocks.length) out.push(b + 1);
    return out;
  };
  for (let b = 0; b < blocks.length; b++) for (const s of successors(b)) preds[s]++;
  const isRoot = new Uint8Array(blocks.length).fill(1);
  for (let b = 0; b < blocks.length; b++) {
    if (endsWithHostCall(insns[lastOf[b]])) continue;
    for (const s of successors(b)) {
      if (preds[s] === 1 && s !== b) {
        isRoot[s] = 0;
        children[b].push(s);
      }
    }
  }

  const groups = new Map<number, AccessGroup>();
  const inFrame = new Set<number>();
  const r2FrameOffsets = new Map<number, number>();
  const visited = new Uint8Array(blocks.length);
  const all: OpenGroup[] = [];
  const walk = (root: number): void => {
    const stack: { block: number; state: PathState }[] = [{ block: root, state: { alias: new Array(11).fill(undefined), open: new Map() } }];
    while (stack.length > 0) {
      const { block, state } = stack.pop()!;
      if (visited[block]) continue;
      visited[block] = 1;
      planBlock(insns, blocks[block].start, blocks[block].end, state, { inFrame, r2FrameOffsets, all });
      for (const child of children[block]) stack.push({ block: child, state: { alias: [...state.alias], open: new Map(state.open) } });
    }
  };
  for (let b = 0; b < blocks.length; b++) if (isRoot[b]) walk(b);
  // Blocks only reachable through a cycle of single-predecessor blocks (dead code): plan them alone.
  for (let b = 0; b < blocks.length; b++) if (!visited[b]) walk(b);

  for (const g of all) {
    if (g.pcs.length < 2 || g.hi - g.lo > MAX_GROUP_SPAN) continue;
    const first = g.pcs[0];
    const group: AccessGroup = { first, base: g.root, lo: g.lo, hi: g.hi, perm: g.perm };
    for (const p of g.pcs) groups.set(p, group);
  }
  return { groups, inFrame, r2FrameOffsets };
}

/** What planning the blocks collects. */
interface PlanOutput {
  readonly inFrame: Set<number>;
  readonly r2FrameOffsets: Map<number, number>;
  readonly all: OpenGroup[];
}

function planBlock(insns: readonly Instruction[], start: number, end: number, state: PathState, out: PlanOutput): void {
  const { alias, open } = state;
  for (let pc = start; pc < end; pc++) {
    const insn = insns[pc];
    if (insn.opcode === OP_LDDW) {
      written(state, insn.dst, undefined);
      pc++;
      continue;
    }
    if (insn.opcode === OP_CALL || insn.opcode === OP_CALLX) {
      if (alias[2]?.root === 10) out.r2FrameOffsets.set(pc, alias[2].offset);
      for (let r = 0; r <= 5; r++) written(state, r, undefined);
      continue;
    }
    const access = memoryAccess(insn);
    if (access) {
      const a = alias[access.base];
      const root = a ? a.root : access.base;
      const rel = (a ? a.offset : 0) + access.offset;
      if (root === 10 && rel >= -STACK_FRAME_SIZE && rel + access.size <= 0) {
        out.inFrame.add(pc);
      } else {
        let g = open.get(root);
        if (!g) {
          g = { root, pcs: [], lo: rel, hi: rel + access.size, perm: 0 };
          out.all.push(g);
          open.set(root, g);
        }
        g.pcs.push(pc);
        g.lo = Math.min(g.lo, rel);
        g.hi = Math.max(g.hi, rel + access.size);
        g.perm |= access.perm;
      }
    }
    for (let r = 0; r <= 10; r++) if (writesRegister(insn, r)) written(state, r, aliasAfter(insn, r, alias));
  }
}

/** The alias `reg` holds after `insn` writes it: a 64-bit move of a register, or adding/subtracting a constant to an alias. */
function aliasAfter(insn: Instruction, reg: number, alias: readonly (Alias | undefined)[]): Alias | undefined {
  let next: Alias | undefined;
  if (insn.opcode === 0xbf && insn.offset === 0 && insn.src !== reg) {
    next = alias[insn.src] ?? { root: insn.src, offset: 0 };
  } else if ((insn.opcode === 0x07 || insn.opcode === 0x17) && alias[reg]) {
    const a = alias[reg]!;
    next = { root: a.root, offset: a.offset + (insn.opcode === 0x07 ? insn.imm : -insn.imm) };
  }
  // The root is overwritten by this very instruction, or the offset left the range a check can cover.
  if (!next || next.root === reg || Math.abs(next.offset) > 1 << 30) return undefined;
  return next;
}

/** `reg` now holds a new value: its group closes, aliases of its old value die, and it may become an alias. */
function written(state: PathState, reg: number, next: Alias | undefined): void {
  state.open.delete(reg);
  for (let r = 0; r <= 10; r++) if (state.alias[r]?.root === reg) state.alias[r] = undefined;
  state.alias[reg] = next;
}
