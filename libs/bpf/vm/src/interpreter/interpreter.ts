import type { AddressSpace, Region } from '../memory/address-space.js';
import { VmError, VmFault } from '../memory/fault.js';
import {
  MAX_CALL_FRAMES,
  MAX_MEMORY_BYTES,
  MAX_TAIL_CALLS,
  PAGE_SHIFT,
  PAGE_TABLE_BASE,
  PERM_READ,
  PERM_RW,
  PERM_WRITE,
  REGION_END,
  REGION_PERMS,
  REGION_START,
  REGION_TABLE_BASE,
  REGION_WORDS,
  RegionKind,
  STACK_FRAME_SIZE,
} from '../memory/layout.js';
import { decodeFuncPointer, MAP_POINTER_TAG_HI, type HelperTable } from '../helpers/types.js';
import { keyHash32 } from '../maps/hash-index.js';
import type { VmMap } from '../maps/map.js';
import { bswap16, bswap32, fromBig, mul64, out, sdiv64, smod64, toBig, udiv64, umod64 } from './alu64.js';
import { CODE_WORDS, DecodedProgram, OP_LDDW_LOOKUP, OP_MAP_LOOKUP, OP_MAP_UPDATE, OP_MOV_ADD, OP_PAST_END, REG_SLOTS } from './program.js';
import {
  L_BASE,
  L_CPU_STRIDE,
  L_KEY_SIZE,
  L_KEYS,
  L_MASK,
  L_MAX_ENTRIES,
  L_STRIDE,
  L_TABLE,
  L_VALUE_SIZE,
  LAYOUT_WORDS,
  MAP_ARRAY,
  MAP_HASH,
  MAP_HASH32,
  mapLayouts,
} from './map-layout.js';
import type { RunContext } from './run-context.js';

/** Default instruction budget per run (a verified program never needs this many). */
export const DEFAULT_INSN_BUDGET = 100_000_000;

export interface InterpretOptions {
  /** r1..r5 at entry (unsigned 64-bit). */
  readonly args: readonly bigint[];
  /** Instructions this run may execute (helpers' callbacks included). */
  readonly budget?: number;
  /** Packet seen by LD_ABS/LD_IND: linear address and length. */
  readonly skbData?: { readonly address: number; readonly length: number };
  /**
   * Runs in a row on the same memory (BPF_PROG_TEST_RUN's repeat; default 1); the result is the
   * last run's. Each run starts from fresh registers with its own budget.
   */
  readonly repeat?: number;
}

export interface InterpretResult {
  readonly r0: bigint;
  /** Instructions executed. */
  readonly insns: number;
}

const TWO32 = 4294967296;

/*
 * The dispatch loop writes these constants as literals (in V8's optimized code a module binding
 * costs a context load and a hole check at every use), checked here once:
 *  - 4 = CODE_WORDS, 22 = REG_SLOTS, 0xe5 / 0xf5 / 0xe6 / 0xe7 / 0xff = OP_MAP_LOOKUP / OP_MAP_UPDATE /
 *    OP_MOV_ADD / OP_LDDW_LOOKUP / OP_PAST_END;
 *  - memory checks: 1 / 2 = PERM_READ / PERM_WRITE; the page table (u16 region id per 4 KiB page,
 *    PAGE_SHIFT 12) at 0 for 0x4000000 bytes (MAX_MEMORY_BYTES); the region table at 0x8000,
 *    16 bytes per region: start, end, perms;
 *  - map helpers: -1175453696 = MAP_POINTER_TAG_HI, the map layout words 1..9 and kinds 1 / 2 / 3.
 */
if (
  CODE_WORDS !== 4 || REG_SLOTS !== 22 || OP_MAP_LOOKUP !== 0xe5 || OP_MAP_UPDATE !== 0xf5 || OP_MOV_ADD !== 0xe6 || OP_LDDW_LOOKUP !== 0xe7 || OP_PAST_END !== 0xff ||
  PERM_READ !== 1 || PERM_WRITE !== 2 || PAGE_SHIFT !== 12 || PAGE_TABLE_BASE !== 0 || MAX_MEMORY_BYTES !== 0x4000000 ||
  REGION_TABLE_BASE !== 0x8000 || REGION_WORDS !== 4 || REGION_START !== 0 || REGION_END !== 1 || REGION_PERMS !== 2 ||
  MAP_POINTER_TAG_HI !== -1175453696 || LAYOUT_WORDS !== 10 || L_KEY_SIZE !== 1 || L_VALUE_SIZE !== 2 || L_MAX_ENTRIES !== 3 || L_BASE !== 4 ||
  L_STRIDE !== 5 || L_CPU_STRIDE !== 6 || L_TABLE !== 7 || L_MASK !== 8 || L_KEYS !== 9 || MAP_ARRAY !== 1 || MAP_HASH32 !== 2 || MAP_HASH !== 3
) {
  throw new Error('interpreter: literal constants out of date');
}
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/**
 * Linear address of an access of `size` bytes at register slot `slot` + `off`, after the page-table
 * and region check; -1 when the access is refused (the caller builds the fault). The dispatch loop
 * writes this check out in each load and store instead of calling it: V8 inlines only so many call
 * sites of one function into another, and a call left in the loop costs far more than the check.
 */
function ea(R: Int32Array, dv: DataView, slot: number, off: number, size: number, perm: number): number {
  const a = (R[slot] >>> 0) + off;
  // The page table (u16 region id per 4 KiB page, at 0) covers the largest address space (64 MiB).
  if (R[slot + 1] === 0 && a >= 0 && a < 0x4000000) {
    const id = dv.getUint16((a >>> 12) << 1, true);
    if (id !== 0) {
      // Region table entry (at 0x8000, 16 bytes per id): start, end, perms.
      const e = 0x8000 + (id << 4);
      if (a >= dv.getUint32(e, true) && a + size <= dv.getUint32(e + 4, true) && (dv.getUint32(e + 8, true) & perm) !== 0) return a;
    }
  }
  return -1;
}

/** `error` from a helper or map called by instruction `pc`, with that instruction when it has none. */
function atInstruction(error: unknown, pc: number): unknown {
  if (error instanceof VmFault && error.pc < 0) error.pc = pc;
  if (error instanceof VmError && error.pc < 0) return new VmError(error.code, error.message, pc);
  return error;
}

/** `ea` for register `slot` with offset 0, returning -1 instead of throwing (map helper arguments). */
function probe(R: Int32Array, dv: DataView, slot: number, size: number, perm: number): number {
  return R[slot + 1] === 0 ? ea(R, dv, slot, 0, size, perm) : -1;
}

/**
 * The reference engine. Registers are (lo, hi) int32 pairs in the program's register file (see
 * DecodedProgram), which measured faster than a BigInt64Array (BigInt arithmetic allocates); memory
 * goes through DataView over the shared Wasm memory after a page-table + region check.
 */
export class Interpreter {
  readonly stack: Region;
  private readonly stackTop: number;
  private budget = 0;
  private limit = 0;
  private tailCalls = 0;
  private ctx!: RunContext;
  private skbAddress = 0;
  private skbLength = 0;
  // Frame stack for bpf-to-bpf calls: return pc, program, caller's r6..r9.
  private readonly frameReturn = new Int32Array(MAX_CALL_FRAMES);
  private readonly frameProgram: (DecodedProgram | undefined)[] = new Array(MAX_CALL_FRAMES);
  private readonly frameSaved = new Int32Array(MAX_CALL_FRAMES * 8);
  private depth = 0;
  private readonly entryRegs = new Int32Array(22);
  /** `run` loops `repeat` times itself. */
  readonly repeatsInternally = true;
  /** The program a run started with (callbacks resolve function pointers in it). */
  private entry: DecodedProgram | null = null;
  /** Runs helper callbacks; one closure per interpreter, not per run. */
  private readonly invoker = (ptr: bigint, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint): bigint => {
    if (!this.entry) throw new VmError('EHELPER_FAULT', 'callback outside a run');
    return this.invoke(this.entry, ptr, [r1, r2, r3, r4, r5]);
  };

  /** The VM's maps (undefined: the map helpers always run as helpers). */
  private maps: readonly VmMap[] | undefined;
  private mapLayouts: Int32Array = new Int32Array(0);
  private mapCount = 0;

  /**
   * `maps` returns the maps of the VM the helpers belong to (read at the first run, when they all
   * exist): lookups and updates of those maps by the VM's own map helpers run inline.
   */
  constructor(
    readonly mem: AddressSpace,
    private readonly helpers: HelperTable,
    private readonly mapSource?: () => readonly VmMap[],
  ) {
    this.stack = mem.allocate('stack', RegionKind.Stack, STACK_FRAME_SIZE * MAX_CALL_FRAMES, PERM_RW);
    this.stackTop = this.stack.base + this.stack.capacity;
  }

  /** The r10 a program sees in frame `depth` (0 = the entry frame). */
  framePointer(depth: number): number {
    return this.stackTop - depth * STACK_FRAME_SIZE;
  }

  run(program: DecodedProgram, ctx: RunContext, options: InterpretOptions): InterpretResult {
    this.ctx = ctx;
    this.limit = options.budget ?? DEFAULT_INSN_BUDGET;
    this.skbAddress = options.skbData?.address ?? 0;
    this.skbLength = options.skbData?.length ?? 0;
    // Entry registers (r1..r5 from the arguments, r10 the frame pointer) computed once per call.
    const entry = this.entryRegs;
    entry.fill(0);
    const args = options.args;
    for (let i = 0; i < args.length && i < 5; i++) {
      const arg = args[i];
      if (arg >= 0n && arg <= 0xffffffffn) {
        entry[2 + i * 2] = Number(arg) | 0;
        continue;
      }
      const v = BigInt.asUintN(64, arg);
      entry[2 + i * 2] = Number(v & 0xffffffffn) | 0;
      entry[3 + i * 2] = Number(v >> 32n) | 0;
    }
    entry[20] = this.framePointer(0);
    if (this.maps === undefined && this.mapSource) {
      this.maps = this.mapSource();
      this.mapLayouts = mapLayouts(this.maps);
      this.mapCount = this.maps.length;
    }
    this.entry = program;
    ctx.invoker = this.invoker;
    const repeat = options.repeat ?? 1;
    let finalProgram: DecodedProgram;
    // r1..r5 and r10 of every run, in locals: a run's registers are reset with stores only.
    const r1 = entry[2], r1h = entry[3], r2 = entry[4], r2h = entry[5], r3 = entry[6], r3h = entry[7];
    const r4 = entry[8], r4h = entry[9], r5 = entry[10], r5h = entry[11], fp = entry[20];
    const regs = program.code;
    for (let n = 1; ; n++) {
      this.budget = this.limit;
      this.tailCalls = 0;
      this.depth = 0;
      regs[0] = 0; regs[1] = 0; regs[2] = r1; regs[3] = r1h; regs[4] = r2; regs[5] = r2h; regs[6] = r3; regs[7] = r3h;
      regs[8] = r4; regs[9] = r4h; regs[10] = r5; regs[11] = r5h; regs[12] = 0; regs[13] = 0; regs[14] = 0; regs[15] = 0;
      regs[16] = 0; regs[17] = 0; regs[18] = 0; regs[19] = 0; regs[20] = fp; regs[21] = 0;
      finalProgram = this.exec(program, 0);
      if (n >= repeat) break;
      ctx.exitRequested = false;
      ctx.tailCallTarget = null;
      // Only the last run's redirects are reported (and a long repeat must not pile them up).
      if (ctx.redirects.length !== 0) ctx.redirects.length = 0;
    }
    const r0 = ctx.exitRequested ? ctx.exitValue : toBig(finalProgram.registerTemplate[0], finalProgram.registerTemplate[1]);
    return { r0, insns: this.limit - this.budget };
  }

  /** Runs a callback (bpf_loop, for_each_map_elem) in a new frame and returns its r0. */
  private invoke(program: DecodedProgram, ptr: bigint, args: bigint[]): bigint {
    const target = decodeFuncPointer(ptr);
    if (target < 0 || target >= program.length) throw new VmError('EHELPER_FAULT', `callback 0x${ptr.toString(16)} is not a function of ${program.name}`);
    if (this.depth + 1 >= MAX_CALL_FRAMES) throw new VmError('ECALLDEPTH', `callback exceeds ${MAX_CALL_FRAMES} frames`);
    const R = program.registerTemplate;
    const saved = R.slice(0, 22);
    const savedDepth = this.depth;
    for (let i = 0; i < 5; i++) {
      const v = BigInt.asUintN(64, args[i]);
      R[2 + i * 2] = Number(v & 0xffffffffn) | 0;
      R[3 + i * 2] = Number(v >> 32n) | 0;
    }
    this.depth++;
    R[20] = this.framePointer(this.depth);
    R[21] = 0;
    try {
      const last = this.exec(program, target);
      return toBig(last.registerTemplate[0], last.registerTemplate[1]);
    } finally {
      this.depth = savedDepth;
      R.set(saved);
    }
  }

  /**
   * Executes from `startPc` until the frame it started in exits (or a helper asks to stop).
   * Returns the program whose register file holds r0 (differs from `start` after a tail call).
   */
  private exec(start: DecodedProgram, startPc: number): DecodedProgram {
    const mem = this.mem;
    const ctx = this.ctx;
    let prog = start;
    const baseDepth = this.depth;
    let depth = baseDepth;
    let budget = this.budget;
    // Index of the next instruction's first word in `prog.code` (see DecodedProgram.code).
    let pc4 = start.codeBase + startPc * 4;

    // The inner loop runs the instructions that call nothing; it leaves for everything else
    // (helper and bpf-to-bpf calls, exit, tail calls, BigInt arithmetic, faults, the budget), which
    // the outer loop handles before going back in. With no call and no try/catch in it, V8 keeps
    // the loop's variables in registers (a try/catch makes it store pc for the handler at every
    // instruction).
    for (;;) {
      // Registers and instructions share one array: one object for V8 to check and keep in registers.
      const code = prog.code;
      const R = code;
      const dv = mem.view;
      dispatch: for (;;) {
        budget = (budget - 1) | 0;
        if (budget < 0) break;
        const i4 = pc4;
        const w = code[i4];
        pc4 = (i4 + 4) | 0;
        switch (w & 0xff) {
          // ---- ALU (32-bit): result zero-extended ----
          case 0x04: case 0x0c: { const d = (w >> 8) & 0xff; R[d] = (R[d] + R[w >>> 16]) | 0; R[d + 1] = 0; break; }
          case 0x14: case 0x1c: { const d = (w >> 8) & 0xff; R[d] = (R[d] - R[w >>> 16]) | 0; R[d + 1] = 0; break; }
          case 0x24: case 0x2c: { const d = (w >> 8) & 0xff; R[d] = Math.imul(R[d], R[w >>> 16]); R[d + 1] = 0; break; }
          case 0x34: case 0x3c: {
            const d = (w >> 8) & 0xff; const b = R[w >>> 16];
            if (b === 0) R[d] = 0;
            else if (code[i4 + 1] === 1) R[d] = (R[d] / b) | 0;
            else R[d] = Math.floor((R[d] >>> 0) / (b >>> 0)) | 0;
            R[d + 1] = 0; break;
          }
          case 0x44: case 0x4c: { const d = (w >> 8) & 0xff; R[d] |= R[w >>> 16]; R[d + 1] = 0; break; }
          case 0x54: case 0x5c: { const d = (w >> 8) & 0xff; R[d] &= R[w >>> 16]; R[d + 1] = 0; break; }
          case 0x64: case 0x6c: { const d = (w >> 8) & 0xff; R[d] = R[d] << (R[w >>> 16] & 31); R[d + 1] = 0; break; }
          case 0x74: case 0x7c: { const d = (w >> 8) & 0xff; R[d] = R[d] >>> (R[w >>> 16] & 31); R[d + 1] = 0; break; }
          case 0x84: { const d = (w >> 8) & 0xff; R[d] = -R[d] | 0; R[d + 1] = 0; break; }
          case 0x94: case 0x9c: {
            const d = (w >> 8) & 0xff; const b = R[w >>> 16];
            if (b !== 0) R[d] = code[i4 + 1] === 1 ? (R[d] % b) | 0 : ((R[d] >>> 0) % (b >>> 0)) | 0;
            R[d + 1] = 0; break;
          }
          case 0xa4: case 0xac: { const d = (w >> 8) & 0xff; R[d] ^= R[w >>> 16]; R[d + 1] = 0; break; }
          case 0xb4: case 0xbc: {
            const d = (w >> 8) & 0xff; const v = R[w >>> 16]; const o = code[i4 + 1];
            R[d] = o === 8 ? (v << 24) >> 24 : o === 16 ? (v << 16) >> 16 : v;
            R[d + 1] = 0; break;
          }
          case 0xc4: case 0xcc: { const d = (w >> 8) & 0xff; R[d] = R[d] >> (R[w >>> 16] & 31); R[d + 1] = 0; break; }
          case 0xd4: {
            const d = (w >> 8) & 0xff; const width = code[i4 + 2];
            if (width === 16) { R[d] &= 0xffff; R[d + 1] = 0; } else if (width === 32) R[d + 1] = 0;
            break;
          }
          case 0xdc: {
            const d = (w >> 8) & 0xff; const width = code[i4 + 2];
            if (width === 16) { R[d] = bswap16(R[d]); R[d + 1] = 0; }
            else if (width === 32) { R[d] = bswap32(R[d]); R[d + 1] = 0; }
            else { const lo = R[d]; R[d] = bswap32(R[d + 1]); R[d + 1] = bswap32(lo); }
            break;
          }
          // ---- ALU64 ----
          case 0xe6: {
            // mov64 rD, rS fused with the add64 in the next slot (`r2 = r10; r2 += -8`): one
            // dispatch for both; the add is still counted on its own, and stays an add when jumped to.
            const d = (w >> 8) & 0xff; const s = w >>> 16;
            R[d] = R[s]; R[d + 1] = R[s + 1];
            budget = (budget - 1) | 0;
            if (budget < 0) break dispatch;
            const add = code[pc4];
            pc4 = (pc4 + 4) | 0;
            const ad = (add >> 8) & 0xff; const as = add >>> 16; const a = R[ad];
            const l = (a + R[as]) | 0;
            R[ad + 1] = (R[ad + 1] + R[as + 1] + (l >>> 0 < a >>> 0 ? 1 : 0)) | 0; R[ad] = l; break;
          }
          case 0x07: case 0x0f: {
            // Int32 arithmetic only: the carry is an unsigned wrap-around of the low half.
            const d = (w >> 8) & 0xff; const s = w >>> 16; const a = R[d];
            const l = (a + R[s]) | 0;
            R[d + 1] = (R[d + 1] + R[s + 1] + (l >>> 0 < a >>> 0 ? 1 : 0)) | 0; R[d] = l; break;
          }
          case 0x17: case 0x1f: {
            const d = (w >> 8) & 0xff; const s = w >>> 16; const a = R[d]; const b = R[s];
            R[d + 1] = (R[d + 1] - R[s + 1] - (a >>> 0 < b >>> 0 ? 1 : 0)) | 0; R[d] = (a - b) | 0; break;
          }
          case 0x27: case 0x2f: {
            const d = (w >> 8) & 0xff; const s = w >>> 16;
            if (R[d + 1] === 0 && R[s + 1] === 0) {
              // Both operands below 2^32: when the product fits a double exactly, no limb arithmetic.
              // (Math.imul gives the low half exactly; no floating-point remainder, which is a call.)
              const p = (R[d] >>> 0) * (R[s] >>> 0);
              if (p <= MAX_EXACT) { R[d + 1] = (p / 4294967296) | 0; R[d] = Math.imul(R[d], R[s]); break; }
            }
            mul64(R[d], R[d + 1], R[s], R[s + 1]); R[d] = out[0]; R[d + 1] = out[1]; break;
          }
          case 0x37: case 0x3f: {
            const d = (w >> 8) & 0xff; const s = w >>> 16;
            if (R[s] === 0 && R[s + 1] === 0) { R[d] = 0; R[d + 1] = 0; break; }
            if (code[i4 + 1] === 0 && R[d + 1] === 0 && R[s + 1] === 0) { R[d] = Math.floor((R[d] >>> 0) / (R[s] >>> 0)) | 0; break; }
            break dispatch;
          }
          case 0x47: case 0x4f: { const d = (w >> 8) & 0xff; const s = w >>> 16; R[d] |= R[s]; R[d + 1] |= R[s + 1]; break; }
          case 0x57: case 0x5f: { const d = (w >> 8) & 0xff; const s = w >>> 16; R[d] &= R[s]; R[d + 1] &= R[s + 1]; break; }
          // 64-bit shifts written out here (no call, no result array): n = 0, 1..31, 32..63.
          case 0x67: case 0x6f: {
            const d = (w >> 8) & 0xff; const n = R[w >>> 16] & 63; const lo = R[d];
            if (n >= 32) { R[d + 1] = lo << (n - 32); R[d] = 0; } else if (n !== 0) { R[d + 1] = (R[d + 1] << n) | (lo >>> (32 - n)); R[d] = lo << n; }
            break;
          }
          case 0x77: case 0x7f: {
            const d = (w >> 8) & 0xff; const n = R[w >>> 16] & 63; const hi = R[d + 1];
            if (n >= 32) { R[d] = hi >>> (n - 32); R[d + 1] = 0; } else if (n !== 0) { R[d] = (R[d] >>> n) | (hi << (32 - n)); R[d + 1] = hi >>> n; }
            break;
          }
          case 0x87: { const d = (w >> 8) & 0xff; const lo = R[d]; R[d] = -lo | 0; R[d + 1] = (~R[d + 1] + (lo === 0 ? 1 : 0)) | 0; break; }
          case 0x97: case 0x9f: {
            const d = (w >> 8) & 0xff; const s = w >>> 16;
            if (R[s] === 0 && R[s + 1] === 0) break;
            if (code[i4 + 1] === 0 && R[d + 1] === 0 && R[s + 1] === 0) { R[d] = (R[d] >>> 0) % (R[s] >>> 0) | 0; break; }
            break dispatch;
          }
          case 0xa7: case 0xaf: { const d = (w >> 8) & 0xff; const s = w >>> 16; R[d] ^= R[s]; R[d + 1] ^= R[s + 1]; break; }
          case 0xb7: case 0xbf: {
            const d = (w >> 8) & 0xff; const s = w >>> 16; const o = code[i4 + 1];
            if (o === 0) { R[d] = R[s]; R[d + 1] = R[s + 1]; }
            else { const v = o === 8 ? (R[s] << 24) >> 24 : o === 16 ? (R[s] << 16) >> 16 : R[s]; R[d] = v; R[d + 1] = v >> 31; }
            break;
          }
          case 0xc7: case 0xcf: {
            const d = (w >> 8) & 0xff; const n = R[w >>> 16] & 63; const hi = R[d + 1];
            if (n >= 32) { R[d] = hi >> (n - 32); R[d + 1] = hi >> 31; } else if (n !== 0) { R[d] = (R[d] >>> n) | (hi << (32 - n)); R[d + 1] = hi >> n; }
            break;
          }
          case 0xd7: {
            const d = (w >> 8) & 0xff; const width = code[i4 + 2];
            if (width === 16) { R[d] = bswap16(R[d]); R[d + 1] = 0; }
            else if (width === 32) { R[d] = bswap32(R[d]); R[d + 1] = 0; }
            else { const lo = R[d]; R[d] = bswap32(R[d + 1]); R[d + 1] = bswap32(lo); }
            break;
          }
          // ---- JMP (64-bit compares) ----
          case 0x05: pc4 = code[i4 + 3]; break;
          case 0x15: case 0x1d: { const d = (w >> 8) & 0xff; const s = w >>> 16; if (R[d] === R[s] && R[d + 1] === R[s + 1]) pc4 = code[i4 + 3]; break; }
          case 0x55: case 0x5d: { const d = (w >> 8) & 0xff; const s = w >>> 16; if (R[d] !== R[s] || R[d + 1] !== R[s + 1]) pc4 = code[i4 + 3]; break; }
          case 0x45: case 0x4d: { const d = (w >> 8) & 0xff; const s = w >>> 16; if ((R[d] & R[s]) !== 0 || (R[d + 1] & R[s + 1]) !== 0) pc4 = code[i4 + 3]; break; }
          case 0x25: case 0x2d: { const d = (w >> 8) & 0xff; const s = w >>> 16; const ah = R[d + 1] >>> 0; const bh = R[s + 1] >>> 0; if (ah > bh || (ah === bh && R[d] >>> 0 > R[s] >>> 0)) pc4 = code[i4 + 3]; break; }
          case 0x35: case 0x3d: { const d = (w >> 8) & 0xff; const s = w >>> 16; const ah = R[d + 1] >>> 0; const bh = R[s + 1] >>> 0; if (ah > bh || (ah === bh && R[d] >>> 0 >= R[s] >>> 0)) pc4 = code[i4 + 3]; break; }
          case 0xa5: case 0xad: { const d = (w >> 8) & 0xff; const s = w >>> 16; const ah = R[d + 1] >>> 0; const bh = R[s + 1] >>> 0; if (ah < bh || (ah === bh && R[d] >>> 0 < R[s] >>> 0)) pc4 = code[i4 + 3]; break; }
          case 0xb5: case 0xbd: { const d = (w >> 8) & 0xff; const s = w >>> 16; const ah = R[d + 1] >>> 0; const bh = R[s + 1] >>> 0; if (ah < bh || (ah === bh && R[d] >>> 0 <= R[s] >>> 0)) pc4 = code[i4 + 3]; break; }
          case 0x65: case 0x6d: { const d = (w >> 8) & 0xff; const s = w >>> 16; const ah = R[d + 1]; const bh = R[s + 1]; if (ah > bh || (ah === bh && R[d] >>> 0 > R[s] >>> 0)) pc4 = code[i4 + 3]; break; }
          case 0x75: case 0x7d: { const d = (w >> 8) & 0xff; const s = w >>> 16; const ah = R[d + 1]; const bh = R[s + 1]; if (ah > bh || (ah === bh && R[d] >>> 0 >= R[s] >>> 0)) pc4 = code[i4 + 3]; break; }
          case 0xc5: case 0xcd: { const d = (w >> 8) & 0xff; const s = w >>> 16; const ah = R[d + 1]; const bh = R[s + 1]; if (ah < bh || (ah === bh && R[d] >>> 0 < R[s] >>> 0)) pc4 = code[i4 + 3]; break; }
          case 0xd5: case 0xdd: { const d = (w >> 8) & 0xff; const s = w >>> 16; const ah = R[d + 1]; const bh = R[s + 1]; if (ah < bh || (ah === bh && R[d] >>> 0 <= R[s] >>> 0)) pc4 = code[i4 + 3]; break; }
          // ---- JMP32 (low halves) ----
          case 0x06: pc4 = code[i4 + 3]; break;
          case 0x16: case 0x1e: if (R[(w >> 8) & 0xff] === R[w >>> 16]) pc4 = code[i4 + 3]; break;
          case 0x56: case 0x5e: if (R[(w >> 8) & 0xff] !== R[w >>> 16]) pc4 = code[i4 + 3]; break;
          case 0x46: case 0x4e: if ((R[(w >> 8) & 0xff] & R[w >>> 16]) !== 0) pc4 = code[i4 + 3]; break;
          case 0x26: case 0x2e: if (R[(w >> 8) & 0xff] >>> 0 > R[w >>> 16] >>> 0) pc4 = code[i4 + 3]; break;
          case 0x36: case 0x3e: if (R[(w >> 8) & 0xff] >>> 0 >= R[w >>> 16] >>> 0) pc4 = code[i4 + 3]; break;
          case 0xa6: case 0xae: if (R[(w >> 8) & 0xff] >>> 0 < R[w >>> 16] >>> 0) pc4 = code[i4 + 3]; break;
          case 0xb6: case 0xbe: if (R[(w >> 8) & 0xff] >>> 0 <= R[w >>> 16] >>> 0) pc4 = code[i4 + 3]; break;
          case 0x66: case 0x6e: if (R[(w >> 8) & 0xff] > R[w >>> 16]) pc4 = code[i4 + 3]; break;
          case 0x76: case 0x7e: if (R[(w >> 8) & 0xff] >= R[w >>> 16]) pc4 = code[i4 + 3]; break;
          case 0xc6: case 0xce: if (R[(w >> 8) & 0xff] < R[w >>> 16]) pc4 = code[i4 + 3]; break;
          case 0xd6: case 0xde: if (R[(w >> 8) & 0xff] <= R[w >>> 16]) pc4 = code[i4 + 3]; break;
          // ---- loads ----
          case 0x61: {
            const b = w >>> 16; const a = (R[b] >>> 0) + code[i4 + 1];
            if (R[b + 1] !== 0 || a < 0 || a >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((a >>> 12) << 1, true) << 4);
            if (e === 0x8000 || a < dv.getUint32(e, true) || a + 4 > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 1) === 0) break dispatch;
            const d = (w >> 8) & 0xff; R[d] = dv.getInt32(a, true); R[d + 1] = 0; break;
          }
          case 0x69: {
            const b = w >>> 16; const a = (R[b] >>> 0) + code[i4 + 1];
            if (R[b + 1] !== 0 || a < 0 || a >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((a >>> 12) << 1, true) << 4);
            if (e === 0x8000 || a < dv.getUint32(e, true) || a + 2 > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 1) === 0) break dispatch;
            const d = (w >> 8) & 0xff; R[d] = dv.getUint16(a, true); R[d + 1] = 0; break;
          }
          case 0x71: {
            const b = w >>> 16; const a = (R[b] >>> 0) + code[i4 + 1];
            if (R[b + 1] !== 0 || a < 0 || a >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((a >>> 12) << 1, true) << 4);
            if (e === 0x8000 || a < dv.getUint32(e, true) || a + 1 > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 1) === 0) break dispatch;
            const d = (w >> 8) & 0xff; R[d] = dv.getUint8(a); R[d + 1] = 0; break;
          }
          case 0x79: {
            const b = w >>> 16; const a = (R[b] >>> 0) + code[i4 + 1];
            if (R[b + 1] !== 0 || a < 0 || a >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((a >>> 12) << 1, true) << 4);
            if (e === 0x8000 || a < dv.getUint32(e, true) || a + 8 > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 1) === 0) break dispatch;
            const d = (w >> 8) & 0xff; R[d] = dv.getInt32(a, true); R[d + 1] = dv.getInt32(a + 4, true); break;
          }
          case 0x18: { const d = (w >> 8) & 0xff; R[d] = code[i4 + 2]; R[d + 1] = code[i4 + 3]; pc4 = (pc4 + 4) | 0; break; }
          // ---- stores ----
          case 0x62: {
            const b = (w >> 8) & 0xff; const a = (R[b] >>> 0) + code[i4 + 1];
            if (R[b + 1] !== 0 || a < 0 || a >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((a >>> 12) << 1, true) << 4);
            if (e === 0x8000 || a < dv.getUint32(e, true) || a + 4 > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 2) === 0) break dispatch;
            dv.setInt32(a, code[i4 + 2], true); break;
          }
          case 0x6a: {
            const b = (w >> 8) & 0xff; const a = (R[b] >>> 0) + code[i4 + 1];
            if (R[b + 1] !== 0 || a < 0 || a >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((a >>> 12) << 1, true) << 4);
            if (e === 0x8000 || a < dv.getUint32(e, true) || a + 2 > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 2) === 0) break dispatch;
            dv.setInt16(a, code[i4 + 2], true); break;
          }
          case 0x72: {
            const b = (w >> 8) & 0xff; const a = (R[b] >>> 0) + code[i4 + 1];
            if (R[b + 1] !== 0 || a < 0 || a >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((a >>> 12) << 1, true) << 4);
            if (e === 0x8000 || a < dv.getUint32(e, true) || a + 1 > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 2) === 0) break dispatch;
            dv.setInt8(a, code[i4 + 2]); break;
          }
          case 0x7a: {
            const b = (w >> 8) & 0xff; const a = (R[b] >>> 0) + code[i4 + 1];
            if (R[b + 1] !== 0 || a < 0 || a >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((a >>> 12) << 1, true) << 4);
            if (e === 0x8000 || a < dv.getUint32(e, true) || a + 8 > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 2) === 0) break dispatch;
            const imm = code[i4 + 2]; dv.setInt32(a, imm, true); dv.setInt32(a + 4, imm >> 31, true); break;
          }
          case 0x63: {
            const b = (w >> 8) & 0xff; const a = (R[b] >>> 0) + code[i4 + 1];
            if (R[b + 1] !== 0 || a < 0 || a >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((a >>> 12) << 1, true) << 4);
            if (e === 0x8000 || a < dv.getUint32(e, true) || a + 4 > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 2) === 0) break dispatch;
            dv.setInt32(a, R[w >>> 16], true); break;
          }
          case 0x6b: {
            const b = (w >> 8) & 0xff; const a = (R[b] >>> 0) + code[i4 + 1];
            if (R[b + 1] !== 0 || a < 0 || a >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((a >>> 12) << 1, true) << 4);
            if (e === 0x8000 || a < dv.getUint32(e, true) || a + 2 > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 2) === 0) break dispatch;
            dv.setInt16(a, R[w >>> 16], true); break;
          }
          case 0x73: {
            const b = (w >> 8) & 0xff; const a = (R[b] >>> 0) + code[i4 + 1];
            if (R[b + 1] !== 0 || a < 0 || a >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((a >>> 12) << 1, true) << 4);
            if (e === 0x8000 || a < dv.getUint32(e, true) || a + 1 > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 2) === 0) break dispatch;
            dv.setInt8(a, R[w >>> 16]); break;
          }
          case 0x7b: {
            const b = (w >> 8) & 0xff; const a = (R[b] >>> 0) + code[i4 + 1];
            if (R[b + 1] !== 0 || a < 0 || a >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((a >>> 12) << 1, true) << 4);
            if (e === 0x8000 || a < dv.getUint32(e, true) || a + 8 > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 2) === 0) break dispatch;
            const s = w >>> 16; dv.setInt32(a, R[s], true); dv.setInt32(a + 4, R[s + 1], true); break;
          }
          // ---- calls ----
          case 0xe5: case 0xe7: {
            if ((w & 0xff) === 0xe7) {
              // `lddw r1, map` fused with the `call bpf_map_lookup_elem` two slots on: the lddw
              // here, the call (counted on its own) below. pc4 ends past the call either way.
              R[2] = code[i4 + 2]; R[3] = code[i4 + 3];
              pc4 = (pc4 + 4) | 0;
              budget = (budget - 1) | 0;
              if (budget < 0) break dispatch;
              pc4 = (pc4 + 4) | 0;
            }
            // bpf_map_lookup_elem on an array or hash map with a readable key: what the helper
            // computes, inline. Anything else (a bad key faults there) takes the helper.
            const layout = this.mapLayouts;
            const m = R[2] >>> 0;
            if (R[3] !== -1175453696 || m >= this.mapCount) break dispatch;
            // The map's layout words (map-layout.ts): kind, key size, max entries, base, stride.
            const l = m * 10;
            const kind = layout[l];
            if (kind !== 1 && kind !== 2) break dispatch;
            // The key: key size bytes at r2, readable (the check of the loads above).
            const at = R[4] >>> 0;
            if (R[5] !== 0 || at >= 0x4000000) break dispatch;
            const e = 0x8000 + (dv.getUint16((at >>> 12) << 1, true) << 4);
            if (e === 0x8000 || at < dv.getUint32(e, true) || at + layout[l + 1] > dv.getUint32(e + 4, true) || (dv.getUint32(e + 8, true) & 1) === 0) break dispatch;
            const valueBase = layout[l + 4];
            const valueStride = layout[l + 5];
            if (kind === 1) {
              // Array: the value of index `key` (of this CPU), or NULL past max entries.
              const index = dv.getUint32(at, true);
              R[0] = index < layout[l + 3] ? valueBase + index * valueStride + ctx.cpu * layout[l + 6] : 0;
              R[1] = 0;
              break;
            }
            // Hash with a u32 key: probe its key index (HashIndex.find, keyHash for 4 bytes).
            const key = dv.getInt32(at, true);
            const table = layout[l + 7];
            const mask = layout[l + 8];
            const keys = layout[l + 9];
            let b = keyHash32(key) & mask;
            let found = 0;
            for (;;) {
              const slot = dv.getInt32(table + b * 4, true) - 1;
              if (slot < 0) break;
              if (dv.getInt32(keys + slot * 4, true) === key) {
                found = valueBase + slot * valueStride;
                break;
              }
              b = (b + 1) & mask;
            }
            R[0] = found;
            R[1] = 0;
            break;
          }
          case 0x95:
            // The entry frame's exit without leaving the loop (a run's last instruction).
            if (depth === baseDepth) {
              this.budget = budget;
              return prog;
            }
            break dispatch;
          default:
            break dispatch;
        }
      }
      const base = prog.codeBase;
      if (budget < 0) throw new VmError('EBUDGET', `instruction budget of ${this.limit} exhausted (runaway loop?)`, (pc4 - base) / 4);
      // The instruction before pc4 (already counted against the budget) needs the outer loop.
      const i4 = pc4 - 4;
      const i = (i4 - base) / 4;
      const w = code[i4];
      // Helpers and maps throw without an instruction: this one is theirs.
      try {
        switch (w & 0xff) {
          case 0x37: case 0x3f: {
            const d = (w >> 8) & 0xff; const s = w >>> 16;
            if (code[i4 + 1] === 1) sdiv64(R[d], R[d + 1], R[s], R[s + 1]); else udiv64(R[d], R[d + 1], R[s], R[s + 1]);
            R[d] = out[0]; R[d + 1] = out[1]; break;
          }
          case 0x97: case 0x9f: {
            const d = (w >> 8) & 0xff; const s = w >>> 16;
            if (code[i4 + 1] === 1) smod64(R[d], R[d + 1], R[s], R[s + 1]); else umod64(R[d], R[d + 1], R[s], R[s + 1]);
            R[d] = out[0]; R[d + 1] = out[1]; break;
          }
          // ---- legacy packet loads (skb data, big-endian; out of range ends the program with 0) ----
          case 0x20: case 0x28: case 0x30: case 0x40: case 0x48: case 0x50: {
            const o = w & 0xff;
            const size = (o & 0x18) === 0 ? 4 : (o & 0x18) === 0x08 ? 2 : 1;
            const off = (o & 0x40) !== 0 ? (R[w >>> 16] + code[i4 + 2]) | 0 : code[i4 + 2];
            if (off < 0 || off + size > this.skbLength) { ctx.requestExit(0n); this.syncBudget(budget); return prog; }
            const a = this.skbAddress + off;
            const dv = mem.view;
            R[0] = size === 4 ? dv.getInt32(a, false) : size === 2 ? dv.getUint16(a, false) : dv.getUint8(a);
            R[1] = 0; break;
          }
          case 0xe5: {
            // Not inline (another map type, a bad map or key): the helper, as written.
            if (R[3] === MAP_POINTER_TAG_HI && R[2] >>> 0 < this.mapCount && this.mapLayouts[(R[2] >>> 0) * LAYOUT_WORDS] === MAP_HASH) {
              const at = probe(R, mem.view, 4, this.mapLayouts[(R[2] >>> 0) * LAYOUT_WORDS + L_KEY_SIZE], PERM_READ);
              if (at >= 0) {
                R[0] = this.maps![R[2] >>> 0].programLookupAt(mem.u8, at, ctx.cpu);
                R[1] = 0;
                break;
              }
            }
            this.callHelper(prog, code[i4 + 3], i, budget);
            budget = this.budget;
            break;
          }
          case 0xf5: {
            // bpf_map_update_elem on an array or hash map, with readable key and value and valid
            // flags: the map's own update, without the helper's dispatch. Else the helper.
            if (R[3] === MAP_POINTER_TAG_HI && R[9] === 0 && R[8] >>> 0 <= 0xffff && R[2] >>> 0 < this.mapCount) {
              const m = R[2] >>> 0;
              const l = m * LAYOUT_WORDS;
              const layout = this.mapLayouts;
              if (layout[l] !== 0) {
                const key = probe(R, dv, 4, layout[l + L_KEY_SIZE], PERM_READ);
                const value = key >= 0 ? probe(R, dv, 6, layout[l + L_VALUE_SIZE], PERM_READ) : -1;
                if (value >= 0) {
                  const r0 = this.maps![m].programUpdateAt(mem.u8, key, value, R[8], ctx.cpu);
                  R[0] = r0; R[1] = r0 < 0 ? -1 : 0;
                  break;
                }
              }
            }
            this.callHelper(prog, code[i4 + 3], i, budget);
            budget = this.budget;
            break;
          }
          case 0x85: {
            if ((w >>> 16) === 2) {
              // bpf-to-bpf call: push a frame, keep r1..r5, save r6..r9.
              if (depth + 1 >= MAX_CALL_FRAMES) throw new VmError('ECALLDEPTH', `call exceeds ${MAX_CALL_FRAMES} frames`, i);
              this.frameReturn[depth] = pc4;
              this.frameProgram[depth] = prog;
              const saved = this.frameSaved;
              for (let r = 0; r < 8; r++) saved[depth * 8 + r] = R[12 + r];
              depth++;
              this.depth = depth;
              R[20] = this.stackTop - depth * STACK_FRAME_SIZE; R[21] = 0;
              pc4 = code[i4 + 3];
              break;
            }
            this.callHelper(prog, code[i4 + 3], i, budget);
            budget = this.budget;
            if (ctx.exitRequested) return prog;
            if (ctx.tailCallTarget !== null) {
              const target = ctx.tailCallTarget;
              ctx.tailCallTarget = null;
              if (this.tailCalls < MAX_TAIL_CALLS && target instanceof DecodedProgram) {
                this.tailCalls++;
                const next = target.registerTemplate;
                for (let r = 0; r < REG_SLOTS; r++) next[r] = R[r];
                prog = target;
                pc4 = target.codeBase;
              }
            }
            break;
          }
          case 0x8d: {
            const d = (w >> 8) & 0xff;
            const reg = d !== 0 ? d : code[i4 + 2] * 2;
            if (reg < 0 || reg > 20) throw new VmError('EINVAL_INSN', `callx through invalid register r${reg / 2}`, i);
            const id = R[reg + 1] === 0 ? R[reg] >>> 0 : -1;
            const helper = this.helpers.get(id);
            if (!helper) throw new VmError('EHELPER', `callx to unknown helper 0x${toBig(R[reg], R[reg + 1]).toString(16)}`, i);
            this.syncBudget(budget);
            const r0 = helper.fn(ctx, toBig(R[2], R[3]), toBig(R[4], R[5]), toBig(R[6], R[7]), toBig(R[8], R[9]), toBig(R[10], R[11]));
            budget = this.budget;
            fromBig(r0); R[0] = out[0]; R[1] = out[1];
            if (ctx.exitRequested) { this.syncBudget(budget); return prog; }
            break;
          }
          case 0x95: {
            if (depth === baseDepth) { this.syncBudget(budget); return prog; }
            depth--;
            this.depth = depth;
            const caller = this.frameProgram[depth]!;
            if (caller !== prog) {
              const regs = caller.registerTemplate;
              for (let r = 0; r < REG_SLOTS; r++) regs[r] = R[r];
              prog = caller;
            }
            const regs = prog.registerTemplate;
            const saved = this.frameSaved;
            for (let r = 0; r < 8; r++) regs[12 + r] = saved[depth * 8 + r];
            regs[20] = this.stackTop - depth * STACK_FRAME_SIZE; regs[21] = 0;
            pc4 = this.frameReturn[depth];
            break;
          }
          // Sign-extending loads and atomics (rarer): here, off the dispatch loop, with the same checks.
          case 0x81: { const d = (w >> 8) & 0xff; const a = ea(R, dv, w >>> 16, code[i4 + 1], 4, 1); if (a < 0) throw this.describeFault(prog, i, R); const v = dv.getInt32(a, true); R[d] = v; R[d + 1] = v >> 31; break; }
          case 0x89: { const d = (w >> 8) & 0xff; const a = ea(R, dv, w >>> 16, code[i4 + 1], 2, 1); if (a < 0) throw this.describeFault(prog, i, R); const v = dv.getInt16(a, true); R[d] = v; R[d + 1] = v >> 31; break; }
          case 0x91: { const d = (w >> 8) & 0xff; const a = ea(R, dv, w >>> 16, code[i4 + 1], 1, 1); if (a < 0) throw this.describeFault(prog, i, R); const v = dv.getInt8(a); R[d] = v; R[d + 1] = v >> 31; break; }
          // ---- atomics ----
          case 0xc3: {
            // Atomics need write permission (an atomic on .rodata faults, as in the JIT and the kernel).
            const a = ea(R, dv, (w >> 8) & 0xff, code[i4 + 1], 4, 2); if (a < 0) throw this.describeFault(prog, i, R);
            const s = w >>> 16; const old = dv.getInt32(a, true); const fn = code[i4 + 2];
            switch (fn & ~1) {
              case 0x00: dv.setInt32(a, (old + R[s]) | 0, true); break;
              case 0x40: dv.setInt32(a, old | R[s], true); break;
              case 0x50: dv.setInt32(a, old & R[s], true); break;
              case 0xa0: dv.setInt32(a, old ^ R[s], true); break;
              case 0xe0: dv.setInt32(a, R[s], true); break;
              case 0xf0: if (old === R[0]) dv.setInt32(a, R[s], true); R[0] = old; R[1] = 0; break;
            }
            if ((fn & 1) !== 0 && fn !== 0xf1) { R[s] = old; R[s + 1] = 0; }
            break;
          }
          case 0xdb: {
            const a = ea(R, dv, (w >> 8) & 0xff, code[i4 + 1], 8, 2); if (a < 0) throw this.describeFault(prog, i, R);
            const s = w >>> 16;
            const lo = dv.getInt32(a, true); const hi = dv.getInt32(a + 4, true); const fn = code[i4 + 2];
            let nlo = lo; let nhi = hi;
            switch (fn & ~1) {
              case 0x00: { const l = (lo >>> 0) + (R[s] >>> 0); nhi = (hi + R[s + 1] + (l >= TWO32 ? 1 : 0)) | 0; nlo = l | 0; break; }
              case 0x40: nlo = lo | R[s]; nhi = hi | R[s + 1]; break;
              case 0x50: nlo = lo & R[s]; nhi = hi & R[s + 1]; break;
              case 0xa0: nlo = lo ^ R[s]; nhi = hi ^ R[s + 1]; break;
              case 0xe0: nlo = R[s]; nhi = R[s + 1]; break;
              case 0xf0: if (lo === R[0] && hi === R[1]) { nlo = R[s]; nhi = R[s + 1]; } R[0] = lo; R[1] = hi; break;
            }
            dv.setInt32(a, nlo, true); dv.setInt32(a + 4, nhi, true);
            if ((fn & 1) !== 0 && fn !== 0xf1) { R[s] = lo; R[s + 1] = hi; }
            break;
          }
          // A load or store the inner loop refused.
          case 0x61: case 0x69: case 0x71: case 0x79: case 0x62: case 0x6a: case 0x72: case 0x7a: case 0x63: case 0x6b: case 0x73: case 0x7b:
            throw this.describeFault(prog, i, R);
          case 0xff:
            throw new VmError('EJUMP', 'execution ran past the last instruction', i);
          default:
            throw new VmError('EINVAL_INSN', `invalid opcode 0x${(w & 0xff).toString(16).padStart(2, '0')}`, i);
        }
      } catch (error) {
        throw atInstruction(error, i);
      }
    }
  }

  /**
   * A `call` of helper `index` of `prog` (negative: bound at run time) at instruction `i`, with the
   * budget the program has left; the helper's r0 goes to r0 and `this.budget` is what is left after
   * it (callbacks run instructions).
   */
  private callHelper(prog: DecodedProgram, index: number, i: number, budget: number): void {
    const helper = index >= 0 ? prog.helperFns[index] : this.helpers.get(-1 - index);
    if (!helper) throw new VmError('EHELPER', `call to unknown helper #${-1 - index}`, i);
    this.budget = budget;
    const R = prog.registerTemplate;
    const fast = helper.fn32;
    if (fast !== undefined) fast(this.ctx, R);
    else {
      fromBig(helper.fn(this.ctx, toBig(R[2], R[3]), toBig(R[4], R[5]), toBig(R[6], R[7]), toBig(R[8], R[9]), toBig(R[10], R[11])));
      R[0] = out[0];
      R[1] = out[1];
    }
  }

  /** The VmFault for the memory access instruction `i` whose check failed. */
  private describeFault(prog: DecodedProgram, i: number, R: Int32Array): VmFault {
    const op = prog.opcode[i];
    const cls = op & 0x07;
    const size = [4, 2, 1, 8][(op >> 3) & 3];
    const slot = cls === 0x01 ? prog.src2[i] : prog.dst2[i];
    const perm = cls === 0x01 ? PERM_READ : PERM_WRITE;
    const full = BigInt.asUintN(64, toBig(R[slot], R[slot + 1]) + BigInt(prog.offset[i]));
    const fault = this.mem.fault(Number(full & 0xffffffffn) | 0, Number(full >> 32n) | 0, size, perm);
    fault.pc = i;
    return fault;
  }

  private syncBudget(budget: number): void {
    this.budget = budget;
  }
}

