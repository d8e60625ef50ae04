import type { AddressSpace, Region } from '../memory/address-space.js';
import { VmError, VmFault } from '../memory/fault.js';
import {
  MAX_CALL_FRAMES,
  MAX_TAIL_CALLS,
  PAGE_SHIFT,
  PERM_READ,
  PERM_RW,
  PERM_WRITE,
  REGION_END,
  REGION_PERMS,
  REGION_START,
  RegionKind,
  STACK_FRAME_SIZE,
} from '../memory/layout.js';
import { decodeFuncPointer, type HelperTable } from '../helpers/types.js';
import { arsh64, bswap16, bswap32, fromBig, lsh64, mul64, out, rsh64, sdiv64, smod64, toBig, udiv64, umod64 } from './alu64.js';
import { DecodedProgram } from './program.js';
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
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/**
 * Linear address of an access of `size` bytes at register slot `slot` + `off`, after the page-table
 * and region check; -1 when the access is refused (the caller builds the fault). A plain function
 * (not a closure over the interpreter's locals) so the hot loop's variables stay in registers.
 */
function ea(R: Int32Array, pt: Uint16Array, rt: Uint32Array, memSize: number, slot: number, off: number, size: number, perm: number): number {
  const a = (R[slot] >>> 0) + off;
  if (R[slot + 1] === 0 && a >= 0 && a < memSize) {
    const w = pt[a >>> PAGE_SHIFT] << 2;
    if (w !== 0 && a >= rt[w + REGION_START] && a + size <= rt[w + REGION_END] && (rt[w + REGION_PERMS] & perm) !== 0) return a;
  }
  throw accessFault;
}

/** Thrown by `ea` and turned into a VmFault with the instruction's details by `exec`. */
const accessFault = new Error('access fault');

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

  constructor(
    readonly mem: AddressSpace,
    private readonly helpers: HelperTable,
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
    this.entry = program;
    ctx.invoker = this.invoker;
    const repeat = options.repeat ?? 1;
    let finalProgram: DecodedProgram;
    for (let n = 1; ; n++) {
      this.budget = this.limit;
      this.tailCalls = 0;
      this.depth = 0;
      program.registerTemplate.set(entry);
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
    let op = prog.opcode;
    let d2 = prog.dst2;
    let s2 = prog.src2;
    let offs = prog.offset;
    let imms = prog.imm;
    let aux = prog.aux;
    let R = prog.registerTemplate;
    const baseDepth = this.depth;
    let depth = baseDepth;
    let dv = mem.view;
    let pt = mem.pageTable;
    let rt = mem.regionTable;
    let memSize = mem.u8.length;
    let generation = mem.generation;
    let budget = this.budget;
    let pc = startPc;

    try {
      for (;;) {
        if (--budget < 0) throw new VmError('EBUDGET', `instruction budget of ${this.limit} exhausted (runaway loop?)`, pc);
        const i = pc++;
        switch (op[i]) {
          // ---- ALU (32-bit): result zero-extended ----
          case 0x04: case 0x0c: { const d = d2[i]; R[d] = (R[d] + R[s2[i]]) | 0; R[d + 1] = 0; break; }
          case 0x14: case 0x1c: { const d = d2[i]; R[d] = (R[d] - R[s2[i]]) | 0; R[d + 1] = 0; break; }
          case 0x24: case 0x2c: { const d = d2[i]; R[d] = Math.imul(R[d], R[s2[i]]); R[d + 1] = 0; break; }
          case 0x34: case 0x3c: {
            const d = d2[i]; const b = R[s2[i]];
            if (b === 0) R[d] = 0;
            else if (offs[i] === 1) R[d] = (R[d] / b) | 0;
            else R[d] = Math.floor((R[d] >>> 0) / (b >>> 0)) | 0;
            R[d + 1] = 0; break;
          }
          case 0x44: case 0x4c: { const d = d2[i]; R[d] |= R[s2[i]]; R[d + 1] = 0; break; }
          case 0x54: case 0x5c: { const d = d2[i]; R[d] &= R[s2[i]]; R[d + 1] = 0; break; }
          case 0x64: case 0x6c: { const d = d2[i]; R[d] = R[d] << (R[s2[i]] & 31); R[d + 1] = 0; break; }
          case 0x74: case 0x7c: { const d = d2[i]; R[d] = R[d] >>> (R[s2[i]] & 31); R[d + 1] = 0; break; }
          case 0x84: { const d = d2[i]; R[d] = -R[d] | 0; R[d + 1] = 0; break; }
          case 0x94: case 0x9c: {
            const d = d2[i]; const b = R[s2[i]];
            if (b !== 0) R[d] = offs[i] === 1 ? (R[d] % b) | 0 : ((R[d] >>> 0) % (b >>> 0)) | 0;
            R[d + 1] = 0; break;
          }
          case 0xa4: case 0xac: { const d = d2[i]; R[d] ^= R[s2[i]]; R[d + 1] = 0; break; }
          case 0xb4: case 0xbc: {
            const d = d2[i]; const v = R[s2[i]]; const o = offs[i];
            R[d] = o === 8 ? (v << 24) >> 24 : o === 16 ? (v << 16) >> 16 : v;
            R[d + 1] = 0; break;
          }
          case 0xc4: case 0xcc: { const d = d2[i]; R[d] = R[d] >> (R[s2[i]] & 31); R[d + 1] = 0; break; }
          case 0xd4: {
            const d = d2[i]; const w = imms[i];
            if (w === 16) { R[d] &= 0xffff; R[d + 1] = 0; } else if (w === 32) R[d + 1] = 0;
            break;
          }
          case 0xdc: {
            const d = d2[i]; const w = imms[i];
            if (w === 16) { R[d] = bswap16(R[d]); R[d + 1] = 0; }
            else if (w === 32) { R[d] = bswap32(R[d]); R[d + 1] = 0; }
            else { const lo = R[d]; R[d] = bswap32(R[d + 1]); R[d + 1] = bswap32(lo); }
            break;
          }
          // ---- ALU64 ----
          case 0x07: case 0x0f: {
            const d = d2[i]; const s = s2[i];
            const l = (R[d] >>> 0) + (R[s] >>> 0);
            R[d + 1] = (R[d + 1] + R[s + 1] + (l >= TWO32 ? 1 : 0)) | 0; R[d] = l | 0; break;
          }
          case 0x17: case 0x1f: {
            const d = d2[i]; const s = s2[i];
            const l = (R[d] >>> 0) - (R[s] >>> 0);
            R[d + 1] = (R[d + 1] - R[s + 1] - (l < 0 ? 1 : 0)) | 0; R[d] = l | 0; break;
          }
          case 0x27: case 0x2f: {
            const d = d2[i]; const s = s2[i];
            if (R[d + 1] === 0 && R[s + 1] === 0) {
              // Both operands below 2^32: when the product fits a double exactly, no limb arithmetic.
              const p = (R[d] >>> 0) * (R[s] >>> 0);
              if (p <= MAX_EXACT) { R[d] = p % TWO32 | 0; R[d + 1] = (p / TWO32) | 0; break; }
            }
            mul64(R[d], R[d + 1], R[s], R[s + 1]); R[d] = out[0]; R[d + 1] = out[1]; break;
          }
          case 0x37: case 0x3f: {
            const d = d2[i]; const s = s2[i];
            if (R[s] === 0 && R[s + 1] === 0) { R[d] = 0; R[d + 1] = 0; break; }
            if (offs[i] === 1) sdiv64(R[d], R[d + 1], R[s], R[s + 1]); else udiv64(R[d], R[d + 1], R[s], R[s + 1]);
            R[d] = out[0]; R[d + 1] = out[1]; break;
          }
          case 0x47: case 0x4f: { const d = d2[i]; const s = s2[i]; R[d] |= R[s]; R[d + 1] |= R[s + 1]; break; }
          case 0x57: case 0x5f: { const d = d2[i]; const s = s2[i]; R[d] &= R[s]; R[d + 1] &= R[s + 1]; break; }
          case 0x67: case 0x6f: { const d = d2[i]; lsh64(R[d], R[d + 1], R[s2[i]] & 63); R[d] = out[0]; R[d + 1] = out[1]; break; }
          case 0x77: case 0x7f: { const d = d2[i]; rsh64(R[d], R[d + 1], R[s2[i]] & 63); R[d] = out[0]; R[d + 1] = out[1]; break; }
          case 0x87: { const d = d2[i]; const lo = R[d]; R[d] = -lo | 0; R[d + 1] = (~R[d + 1] + (lo === 0 ? 1 : 0)) | 0; break; }
          case 0x97: case 0x9f: {
            const d = d2[i]; const s = s2[i];
            if (R[s] === 0 && R[s + 1] === 0) break;
            if (offs[i] === 1) smod64(R[d], R[d + 1], R[s], R[s + 1]); else umod64(R[d], R[d + 1], R[s], R[s + 1]);
            R[d] = out[0]; R[d + 1] = out[1]; break;
          }
          case 0xa7: case 0xaf: { const d = d2[i]; const s = s2[i]; R[d] ^= R[s]; R[d + 1] ^= R[s + 1]; break; }
          case 0xb7: case 0xbf: {
            const d = d2[i]; const s = s2[i]; const o = offs[i];
            if (o === 0) { R[d] = R[s]; R[d + 1] = R[s + 1]; }
            else { const v = o === 8 ? (R[s] << 24) >> 24 : o === 16 ? (R[s] << 16) >> 16 : R[s]; R[d] = v; R[d + 1] = v >> 31; }
            break;
          }
          case 0xc7: case 0xcf: { const d = d2[i]; arsh64(R[d], R[d + 1], R[s2[i]] & 63); R[d] = out[0]; R[d + 1] = out[1]; break; }
          case 0xd7: {
            const d = d2[i]; const w = imms[i];
            if (w === 16) { R[d] = bswap16(R[d]); R[d + 1] = 0; }
            else if (w === 32) { R[d] = bswap32(R[d]); R[d + 1] = 0; }
            else { const lo = R[d]; R[d] = bswap32(R[d + 1]); R[d + 1] = bswap32(lo); }
            break;
          }
          // ---- JMP (64-bit compares) ----
          case 0x05: pc = aux[i]; break;
          case 0x15: case 0x1d: { const d = d2[i]; const s = s2[i]; if (R[d] === R[s] && R[d + 1] === R[s + 1]) pc = aux[i]; break; }
          case 0x55: case 0x5d: { const d = d2[i]; const s = s2[i]; if (R[d] !== R[s] || R[d + 1] !== R[s + 1]) pc = aux[i]; break; }
          case 0x45: case 0x4d: { const d = d2[i]; const s = s2[i]; if ((R[d] & R[s]) !== 0 || (R[d + 1] & R[s + 1]) !== 0) pc = aux[i]; break; }
          case 0x25: case 0x2d: { const d = d2[i]; const s = s2[i]; const ah = R[d + 1] >>> 0; const bh = R[s + 1] >>> 0; if (ah > bh || (ah === bh && R[d] >>> 0 > R[s] >>> 0)) pc = aux[i]; break; }
          case 0x35: case 0x3d: { const d = d2[i]; const s = s2[i]; const ah = R[d + 1] >>> 0; const bh = R[s + 1] >>> 0; if (ah > bh || (ah === bh && R[d] >>> 0 >= R[s] >>> 0)) pc = aux[i]; break; }
          case 0xa5: case 0xad: { const d = d2[i]; const s = s2[i]; const ah = R[d + 1] >>> 0; const bh = R[s + 1] >>> 0; if (ah < bh || (ah === bh && R[d] >>> 0 < R[s] >>> 0)) pc = aux[i]; break; }
          case 0xb5: case 0xbd: { const d = d2[i]; const s = s2[i]; const ah = R[d + 1] >>> 0; const bh = R[s + 1] >>> 0; if (ah < bh || (ah === bh && R[d] >>> 0 <= R[s] >>> 0)) pc = aux[i]; break; }
          case 0x65: case 0x6d: { const d = d2[i]; const s = s2[i]; const ah = R[d + 1]; const bh = R[s + 1]; if (ah > bh || (ah === bh && R[d] >>> 0 > R[s] >>> 0)) pc = aux[i]; break; }
          case 0x75: case 0x7d: { const d = d2[i]; const s = s2[i]; const ah = R[d + 1]; const bh = R[s + 1]; if (ah > bh || (ah === bh && R[d] >>> 0 >= R[s] >>> 0)) pc = aux[i]; break; }
          case 0xc5: case 0xcd: { const d = d2[i]; const s = s2[i]; const ah = R[d + 1]; const bh = R[s + 1]; if (ah < bh || (ah === bh && R[d] >>> 0 < R[s] >>> 0)) pc = aux[i]; break; }
          case 0xd5: case 0xdd: { const d = d2[i]; const s = s2[i]; const ah = R[d + 1]; const bh = R[s + 1]; if (ah < bh || (ah === bh && R[d] >>> 0 <= R[s] >>> 0)) pc = aux[i]; break; }
          // ---- JMP32 (low halves) ----
          case 0x06: pc = aux[i]; break;
          case 0x16: case 0x1e: if (R[d2[i]] === R[s2[i]]) pc = aux[i]; break;
          case 0x56: case 0x5e: if (R[d2[i]] !== R[s2[i]]) pc = aux[i]; break;
          case 0x46: case 0x4e: if ((R[d2[i]] & R[s2[i]]) !== 0) pc = aux[i]; break;
          case 0x26: case 0x2e: if (R[d2[i]] >>> 0 > R[s2[i]] >>> 0) pc = aux[i]; break;
          case 0x36: case 0x3e: if (R[d2[i]] >>> 0 >= R[s2[i]] >>> 0) pc = aux[i]; break;
          case 0xa6: case 0xae: if (R[d2[i]] >>> 0 < R[s2[i]] >>> 0) pc = aux[i]; break;
          case 0xb6: case 0xbe: if (R[d2[i]] >>> 0 <= R[s2[i]] >>> 0) pc = aux[i]; break;
          case 0x66: case 0x6e: if (R[d2[i]] > R[s2[i]]) pc = aux[i]; break;
          case 0x76: case 0x7e: if (R[d2[i]] >= R[s2[i]]) pc = aux[i]; break;
          case 0xc6: case 0xce: if (R[d2[i]] < R[s2[i]]) pc = aux[i]; break;
          case 0xd6: case 0xde: if (R[d2[i]] <= R[s2[i]]) pc = aux[i]; break;
          // ---- loads ----
          case 0x61: { const d = d2[i]; R[d] = dv.getInt32(ea(R, pt, rt, memSize, s2[i], offs[i], 4, PERM_READ), true); R[d + 1] = 0; break; }
          case 0x69: { const d = d2[i]; R[d] = dv.getUint16(ea(R, pt, rt, memSize, s2[i], offs[i], 2, PERM_READ), true); R[d + 1] = 0; break; }
          case 0x71: { const d = d2[i]; R[d] = dv.getUint8(ea(R, pt, rt, memSize, s2[i], offs[i], 1, PERM_READ)); R[d + 1] = 0; break; }
          case 0x79: { const d = d2[i]; const a = ea(R, pt, rt, memSize, s2[i], offs[i], 8, PERM_READ); R[d] = dv.getInt32(a, true); R[d + 1] = dv.getInt32(a + 4, true); break; }
          case 0x81: { const d = d2[i]; const v = dv.getInt32(ea(R, pt, rt, memSize, s2[i], offs[i], 4, PERM_READ), true); R[d] = v; R[d + 1] = v >> 31; break; }
          case 0x89: { const d = d2[i]; const v = dv.getInt16(ea(R, pt, rt, memSize, s2[i], offs[i], 2, PERM_READ), true); R[d] = v; R[d + 1] = v >> 31; break; }
          case 0x91: { const d = d2[i]; const v = dv.getInt8(ea(R, pt, rt, memSize, s2[i], offs[i], 1, PERM_READ)); R[d] = v; R[d + 1] = v >> 31; break; }
          case 0x18: { const d = d2[i]; R[d] = imms[i]; R[d + 1] = aux[i]; pc++; break; }
          // ---- stores ----
          case 0x62: dv.setInt32(ea(R, pt, rt, memSize, d2[i], offs[i], 4, PERM_WRITE), imms[i], true); break;
          case 0x6a: dv.setInt16(ea(R, pt, rt, memSize, d2[i], offs[i], 2, PERM_WRITE), imms[i], true); break;
          case 0x72: dv.setInt8(ea(R, pt, rt, memSize, d2[i], offs[i], 1, PERM_WRITE), imms[i]); break;
          case 0x7a: { const a = ea(R, pt, rt, memSize, d2[i], offs[i], 8, PERM_WRITE); dv.setInt32(a, imms[i], true); dv.setInt32(a + 4, imms[i] >> 31, true); break; }
          case 0x63: dv.setInt32(ea(R, pt, rt, memSize, d2[i], offs[i], 4, PERM_WRITE), R[s2[i]], true); break;
          case 0x6b: dv.setInt16(ea(R, pt, rt, memSize, d2[i], offs[i], 2, PERM_WRITE), R[s2[i]], true); break;
          case 0x73: dv.setInt8(ea(R, pt, rt, memSize, d2[i], offs[i], 1, PERM_WRITE), R[s2[i]]); break;
          case 0x7b: { const a = ea(R, pt, rt, memSize, d2[i], offs[i], 8, PERM_WRITE); const s = s2[i]; dv.setInt32(a, R[s], true); dv.setInt32(a + 4, R[s + 1], true); break; }
          // ---- atomics ----
          case 0xc3: {
            // Atomics need write permission (an atomic on .rodata faults, as in the JIT and the kernel).
            const a = ea(R, pt, rt, memSize, d2[i], offs[i], 4, PERM_WRITE); const s = s2[i]; const old = dv.getInt32(a, true); const fn = imms[i];
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
            const a = ea(R, pt, rt, memSize, d2[i], offs[i], 8, PERM_WRITE); const s = s2[i];
            const lo = dv.getInt32(a, true); const hi = dv.getInt32(a + 4, true); const fn = imms[i];
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
          // ---- legacy packet loads (skb data, big-endian; out of range ends the program with 0) ----
          case 0x20: case 0x28: case 0x30: case 0x40: case 0x48: case 0x50: {
            const o = op[i];
            const size = (o & 0x18) === 0 ? 4 : (o & 0x18) === 0x08 ? 2 : 1;
            const off = (o & 0x40) !== 0 ? (R[s2[i]] + imms[i]) | 0 : imms[i];
            if (off < 0 || off + size > this.skbLength) { ctx.requestExit(0n); this.syncBudget(budget); return prog; }
            const a = this.skbAddress + off;
            R[0] = size === 4 ? dv.getInt32(a, false) : size === 2 ? dv.getUint16(a, false) : dv.getUint8(a);
            R[1] = 0; break;
          }
          // ---- calls ----
          case 0x85: {
            if (s2[i] === 2) {
              // bpf-to-bpf call: push a frame, keep r1..r5, save r6..r9.
              if (depth + 1 >= MAX_CALL_FRAMES) throw new VmError('ECALLDEPTH', `call exceeds ${MAX_CALL_FRAMES} frames`, i);
              this.frameReturn[depth] = pc;
              this.frameProgram[depth] = prog;
              this.frameSaved.set(R.subarray(12, 20), depth * 8);
              depth++;
              this.depth = depth;
              R[20] = this.stackTop - depth * STACK_FRAME_SIZE; R[21] = 0;
              pc = aux[i];
              break;
            }
            const index = aux[i];
            const helper = index >= 0 ? prog.helperFns[index] : this.helpers.get(-1 - index);
            if (!helper) throw new VmError('EHELPER', `call to unknown helper #${-1 - index}`, i);
            this.syncBudget(budget);
            const fast = helper.fn32;
            if (fast !== undefined) fast(ctx, R);
            else { fromBig(helper.fn(ctx, toBig(R[2], R[3]), toBig(R[4], R[5]), toBig(R[6], R[7]), toBig(R[8], R[9]), toBig(R[10], R[11]))); R[0] = out[0]; R[1] = out[1]; }
            budget = this.budget;
            if (ctx.exitRequested) { this.syncBudget(budget); return prog; }
            if (ctx.tailCallTarget !== null) {
              const target = ctx.tailCallTarget;
              ctx.tailCallTarget = null;
              if (this.tailCalls < MAX_TAIL_CALLS && target instanceof DecodedProgram) {
                this.tailCalls++;
                target.registerTemplate.set(R.subarray(0, 22));
                prog = target; op = prog.opcode; d2 = prog.dst2; s2 = prog.src2; offs = prog.offset; imms = prog.imm; aux = prog.aux; R = prog.registerTemplate;
                pc = 0;
              }
            }
            if (mem.generation !== generation) { dv = mem.view; pt = mem.pageTable; rt = mem.regionTable; memSize = mem.u8.length; generation = mem.generation; }
            break;
          }
          case 0x8d: {
            const reg = d2[i] !== 0 ? d2[i] : imms[i] * 2;
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
              caller.registerTemplate.set(R.subarray(0, 22));
              prog = caller; op = prog.opcode; d2 = prog.dst2; s2 = prog.src2; offs = prog.offset; imms = prog.imm; aux = prog.aux; R = prog.registerTemplate;
            }
            R.set(this.frameSaved.subarray(depth * 8, depth * 8 + 8), 12);
            R[20] = this.stackTop - depth * STACK_FRAME_SIZE; R[21] = 0;
            pc = this.frameReturn[depth];
            break;
          }
          default:
            if (i >= prog.length) throw new VmError('EJUMP', 'execution ran past the last instruction', i);
            throw new VmError('EINVAL_INSN', `invalid opcode 0x${op[i].toString(16).padStart(2, '0')}`, i);
        }
      }
    } catch (caught) {
      const error = caught === accessFault ? this.describeFault(prog, pc - 1, R) : caught;
      if (error instanceof VmFault && error.pc < 0) error.pc = pc - 1;
      if (error instanceof VmError && error.pc < 0) {
        throw new VmError(error.code, error.message, pc - 1);
      }
      throw error;
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

