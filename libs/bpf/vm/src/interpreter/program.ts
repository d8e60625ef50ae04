import type { Instruction } from '@bpfleet/isa';
import { VmError } from '../memory/fault.js';
import type { Helper, HelperTable, ProgramHandle } from '../helpers/types.js';
import { encodeFuncPointer } from '../helpers/types.js';
import { HELPER_NAMES } from '../helpers/generated/helper-ids.js';
import { mapHelperKind } from '../helpers/map-helpers.js';

/** Resolves `lddw` map references (pseudo sources) to 64-bit values in the VM. */
export interface MapLinker {
  /** The value `lddw rX, map` yields for map `index` (BPF_PSEUDO_MAP_FD / _IDX). */
  mapPointer(index: number): bigint;
  /** The address `lddw rX, map_value` yields (BPF_PSEUDO_MAP_VALUE / _IDX_VALUE). */
  mapValueAddress(index: number, offset: number): bigint;
}

/** `lddw` pseudo source values (include/uapi/linux/bpf.h). */
const PSEUDO_MAP_FD = 1;
const PSEUDO_MAP_VALUE = 2;
const PSEUDO_BTF_ID = 3;
const PSEUDO_FUNC = 4;
const PSEUDO_MAP_IDX = 5;
const PSEUDO_MAP_IDX_VALUE = 6;
/** `call` source values. */
const CALL_HELPER = 0;
const CALL_LOCAL = 1;

/** Register-file slots: r0..r10 as (lo, hi) int32 pairs; constants of `K` instructions follow. */
export const REG_SLOTS = 22;

/**
 * Operations of the packed `code` array that are not BPF opcodes (byte values no BPF instruction
 * uses, so the interpreter's switch stays one dense table):
 */
/** `call bpf_map_lookup_elem` (the VM's own helper): maps the interpreter knows are looked up inline. */
export const OP_MAP_LOOKUP = 0xe5;
/** `call bpf_map_update_elem` (the VM's own helper), inline for the maps the interpreter knows. */
export const OP_MAP_UPDATE = 0xf5;
/**
 * `mov64 rD, rS` whose next slot is an `add64` (the `r2 = r10; r2 += -8` of every stack pointer):
 * the interpreter runs both with one dispatch. The add keeps its own slot (a jump to it runs it
 * alone) and its own count against the budget.
 */
export const OP_MOV_ADD = 0xe6;
/**
 * `lddw r1, <map>` whose call two slots on is OP_MAP_LOOKUP (`r1 = &map ll; call 1`): one dispatch
 * for both, the call still counted on its own and still a slot of its own.
 */
export const OP_LDDW_LOOKUP = 0xe7;
/** The slot past the last instruction: running into it is an error. */
export const OP_PAST_END = 0xff;
/** Int32 words per instruction in `code`: [op | dst2 << 8 | src2 << 16, offset, imm, target or aux]. */
export const CODE_WORDS = 4;

const VALID_OPCODES = buildValidOpcodes();

function buildValidOpcodes(): Uint8Array {
  const ok = new Uint8Array(256);
  const alu = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
  for (const cls of [0x04, 0x07]) {
    for (const op of alu) {
      ok[cls | op] = 1;
      ok[cls | op | 0x08] = 1;
    }
    ok[cls | 0x80] = 1; // neg
    ok[cls | 0xd0] = 1; // end (to_le / bswap)
  }
  ok[0xdc] = 1; // to_be
  const jmp = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
  for (const cls of [0x05, 0x06]) {
    for (const op of jmp) {
      ok[cls | op] = 1;
      ok[cls | op | 0x08] = 1;
    }
  }
  ok[0x05] = 1; // ja
  ok[0x06] = 1; // gotol
  ok[0x85] = 1; // call
  ok[0x8d] = 1; // callx
  ok[0x95] = 1; // exit
  for (const size of [0x00, 0x08, 0x10, 0x18]) {
    ok[0x61 | size] = 1; // ldx
    ok[0x62 | size] = 1; // st
    ok[0x63 | size] = 1; // stx
  }
  for (const size of [0x00, 0x08, 0x10]) {
    ok[0x81 | size] = 1; // ldsx
    ok[0x20 | size] = 1; // ld_abs
    ok[0x40 | size] = 1; // ld_ind
  }
  ok[0x18] = 1; // lddw
  ok[0xc3] = 1; // atomic w
  ok[0xdb] = 1; // atomic dw
  return ok;
}

const ATOMIC_OPS = new Set([0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1]);

/** Whether an instruction reads its second operand from `imm` (the `K` forms). */
function usesImmOperand(opcode: number): boolean {
  const cls = opcode & 0x07;
  if (cls === 0x04 || cls === 0x07) {
    const op = opcode & 0xf0;
    return (opcode & 0x08) === 0 && op !== 0x80 && op !== 0xd0;
  }
  if (cls === 0x05 || cls === 0x06) {
    const op = opcode & 0xf0;
    return (opcode & 0x08) === 0 && op !== 0x00 && op !== 0x80 && op !== 0x90;
  }
  return false;
}

/** Whether `aux` of an instruction is a jump or local call target (an instruction index). */
function hasTarget(op: number, src2: number): boolean {
  const cls = op & 0x07;
  if (cls !== 0x05 && cls !== 0x06) return false;
  if (op === 0x85) return src2 === CALL_LOCAL * 2;
  return op !== 0x95 && op !== 0x8d;
}

export interface DecodeOptions {
  readonly helpers: HelperTable;
  readonly maps?: MapLinker;
  /** Program name for messages and tail calls. */
  readonly name?: string;
  /** Conformance mode: `call K` with an unknown id and `callx` are errors at run time, not load time. */
  readonly lateHelperBinding?: boolean;
  /**
   * Whether the interpreter's code may fuse instruction pairs (OP_MOV_ADD, OP_LDDW_LOOKUP) and run the VM's map
   * helpers inline (OP_MAP_LOOKUP, OP_MAP_UPDATE); default true. False keeps one BPF operation per
   * slot, the plain form the specialised one is tested against.
   */
  readonly specialize?: boolean;
}

/**
 * A program pre-decoded for the interpreter: one entry per 8-byte slot in parallel typed arrays,
 * `K` operands turned into constant register slots (so `K` and `X` forms share one code path), jump
 * targets made absolute, `lddw` resolved to its final 64-bit value, helpers bound to functions.
 * Everything the interpreter needs per instruction is an array read; nothing is allocated per step.
 */
export class DecodedProgram implements ProgramHandle {
  readonly name: string;
  readonly length: number;
  readonly opcode: Uint8Array;
  /** dst * 2 (index of the low half in the register file). */
  readonly dst2: Uint8Array;
  /** Index of the second operand's low half: src * 2, or a constant slot for `K` forms. */
  readonly src2: Uint16Array;
  readonly offset: Int32Array;
  readonly imm: Int32Array;
  /** `lddw` high half of the resolved value; for jumps/local calls the absolute target. */
  readonly aux: Int32Array;
  /** Helper functions referenced by `call` (aux = index in this array). */
  readonly helperFns: Helper[] = [];
  /**
   * The interpreter's form: the register file (REG_SLOTS words for r0..r10, then the constants of
   * `K` operands) followed, from `codeBase`, by CODE_WORDS int32 words per slot:
   * `op | dst2 << 8 | src2 << 16`, offset, imm, and the jump or local call target as the index of
   * its first word in this array (else `aux`). `op` is the BPF opcode or one of the `OP_*`
   * operations. One array read gives an instruction's opcode and both operands. One extra slot at
   * the end holds OP_PAST_END.
   */
  readonly code: Int32Array;
  /** Index of the first instruction's first word in `code`. */
  readonly codeBase: number;
  /** Register file (a view of the start of `code`): r0..r10, then the constants. */
  readonly registerTemplate: Int32Array;
  readonly instructions: readonly Instruction[];

  constructor(insns: readonly Instruction[], options: DecodeOptions) {
    const n = insns.length;
    if (n === 0) throw new VmError('EINVAL_INSN', 'empty program');
    this.name = options.name ?? 'prog';
    this.instructions = insns;
    this.length = n;
    this.opcode = new Uint8Array(n);
    this.dst2 = new Uint8Array(n);
    this.src2 = new Uint16Array(n);
    this.offset = new Int32Array(n);
    this.imm = new Int32Array(n);
    this.aux = new Int32Array(n);
    let constants = 0;
    for (const insn of insns) if (usesImmOperand(insn.opcode)) constants++;
    if (REG_SLOTS + constants * 2 > 0xffff) throw new VmError('EINVAL_INSN', `program of ${n} instructions is too large`);
    const regs = new Int32Array(REG_SLOTS + constants * 2);
    let slot = REG_SLOTS;
    const helperIndex = new Map<number, number>();

    for (let pc = 0; pc < n; pc++) {
      const insn = insns[pc];
      const op = insn.opcode;
      if (!VALID_OPCODES[op]) throw new VmError('EINVAL_INSN', `invalid opcode 0x${op.toString(16).padStart(2, '0')}`, pc);
      if (insn.dst > 10 || insn.src > 10) {
        if (!(op === 0x18 || op === 0x85)) throw new VmError('EINVAL_INSN', `invalid register r${Math.max(insn.dst, insn.src)}`, pc);
      }
      const cls = op & 0x07;
      const writesDst = cls === 0x04 || cls === 0x07 || cls === 0x01 || op === 0x18;
      if (writesDst && insn.dst === 10) throw new VmError('EINVAL_INSN', 'r10 is read-only', pc);
      if (insn.dst > 10) throw new VmError('EINVAL_INSN', `invalid register r${insn.dst}`, pc);
      this.opcode[pc] = op;
      this.dst2[pc] = insn.dst * 2;
      this.src2[pc] = insn.src * 2;
      this.offset[pc] = insn.offset;
      this.imm[pc] = insn.imm;
      if (usesImmOperand(op)) {
        regs[slot] = insn.imm;
        regs[slot + 1] = insn.imm >> 31;
        this.src2[pc] = slot;
        slot += 2;
      }
      if (cls === 0x04 || cls === 0x07) this.checkAlu(insn, pc);
      if (cls === 0x05 || cls === 0x06) this.decodeJump(insn, pc, options, helperIndex);
      if (op === 0xc3 || op === 0xdb) {
        if (!ATOMIC_OPS.has(insn.imm)) throw new VmError('EINVAL_INSN', `invalid atomic operation 0x${insn.imm.toString(16)}`, pc);
      }
      if (op === 0x18) {
        if (pc + 1 >= n || insns[pc + 1].opcode !== 0) throw new VmError('EINVAL_INSN', 'lddw without its second slot', pc);
        const value = this.resolveLddw(insn, insns[pc + 1], pc, options);
        this.imm[pc] = Number(value & 0xffffffffn) | 0;
        this.aux[pc] = Number((value >> 32n) & 0xffffffffn) | 0;
        // The second slot is a placeholder: mark it so a jump into it is caught.
        pc++;
        this.opcode[pc] = 0;
      }
    }
    this.codeBase = regs.length;
    this.code = this.pack(regs, options.specialize ?? true);
    this.registerTemplate = this.code.subarray(0, regs.length);
  }

  private pack(regs: Int32Array, specialize: boolean): Int32Array {
    const n = this.length;
    const base = regs.length;
    const code = new Int32Array(base + (n + 1) * CODE_WORDS);
    code.set(regs);
    const mapCall = (pc: number): string | undefined =>
      this.opcode[pc] === 0x85 && this.src2[pc] === CALL_HELPER * 2 && this.aux[pc] >= 0 ? mapHelperKind(this.helperFns[this.aux[pc]]) : undefined;
    for (let pc = 0; pc < n; pc++) {
      let op = this.opcode[pc];
      if (specialize) {
        const kind = mapCall(pc);
        if (kind === 'lookup') op = OP_MAP_LOOKUP;
        else if (kind === 'update') op = OP_MAP_UPDATE;
        else if (op === 0xbf && this.offset[pc] === 0 && pc + 1 < n && (this.opcode[pc + 1] === 0x07 || this.opcode[pc + 1] === 0x0f)) op = OP_MOV_ADD;
        else if (op === 0x18 && this.dst2[pc] === 2 && pc + 2 < n && mapCall(pc + 2) === 'lookup') op = OP_LDDW_LOOKUP;
      }
      const w = base + pc * CODE_WORDS;
      code[w] = op | (this.dst2[pc] << 8) | (this.src2[pc] << 16);
      code[w + 1] = this.offset[pc];
      code[w + 2] = this.imm[pc];
      code[w + 3] = hasTarget(this.opcode[pc], this.src2[pc]) ? base + this.aux[pc] * CODE_WORDS : this.aux[pc];
    }
    code[base + n * CODE_WORDS] = OP_PAST_END;
    return code;
  }

  private checkAlu(insn: Instruction, pc: number): void {
    const op = insn.opcode & 0xf0;
    const is64 = (insn.opcode & 0x07) === 0x07;
    if (op === 0xd0) {
      if (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) throw new VmError('EINVAL_INSN', `invalid byte swap width ${insn.imm}`, pc);
      if (is64 && (insn.opcode & 0x08) !== 0) throw new VmError('EINVAL_INSN', 'invalid opcode 0xdf', pc);
      return;
    }
    if (op === 0x30 || op === 0x90) {
      if (insn.offset !== 0 && insn.offset !== 1) throw new VmError('EINVAL_INSN', `invalid offset ${insn.offset} for div/mod`, pc);
      return;
    }
    if (op === 0xb0) {
      const ok = insn.offset === 0 || ((insn.opcode & 0x08) !== 0 && (insn.offset === 8 || insn.offset === 16 || (is64 && insn.offset === 32)));
      if (!ok) throw new VmError('EINVAL_INSN', `invalid offset ${insn.offset} for mov`, pc);
    }
  }

  private decodeJump(insn: Instruction, pc: number, options: DecodeOptions, helperIndex: Map<number, number>): void {
    const op = insn.opcode;
    if (op === 0x95) return;
    if (op === 0x85) {
      if (insn.src === CALL_LOCAL) {
        this.aux[pc] = this.target(pc, pc + insn.imm + 1);
        return;
      }
      if (insn.src !== CALL_HELPER) throw new VmError('EINVAL_INSN', `unsupported call source ${insn.src} (kfuncs are not available in the VM)`, pc);
      const helper = options.helpers.get(insn.imm);
      if (!helper) {
        if (options.lateHelperBinding) {
          this.aux[pc] = -1 - insn.imm;
          return;
        }
        const name = HELPER_NAMES[insn.imm];
        throw new VmError('EHELPER', `program ${this.name} calls helper ${name ? `bpf_${name}` : 'unknown'} (#${insn.imm}), which the VM does not provide`, pc);
      }
      let index = helperIndex.get(insn.imm);
      if (index === undefined) {
        index = this.helperFns.length;
        this.helperFns.push(helper);
        helperIndex.set(insn.imm, index);
      }
      this.aux[pc] = index;
      return;
    }
    if (op === 0x8d) return; // callx: resolved at run time
    const relative = op === 0x06 ? insn.imm : insn.offset;
    this.aux[pc] = this.target(pc, pc + relative + 1);
  }

  private target(pc: number, target: number): number {
    if (target < 0 || target >= this.length) throw new VmError('EJUMP', `jump target ${target} is outside the program (0..${this.length - 1})`, pc);
    return target;
  }

  private resolveLddw(insn: Instruction, next: Instruction, pc: number, options: DecodeOptions): bigint {
    const low = BigInt(insn.imm >>> 0);
    const high = BigInt(next.imm >>> 0);
    switch (insn.src) {
      case 0:
        return (high << 32n) | low;
      case PSEUDO_MAP_FD:
      case PSEUDO_MAP_IDX:
        return this.linker(options, pc).mapPointer(insn.imm);
      case PSEUDO_MAP_VALUE:
      case PSEUDO_MAP_IDX_VALUE:
        return this.linker(options, pc).mapValueAddress(insn.imm, next.imm);
      case PSEUDO_FUNC:
        return encodeFuncPointer(this.target(pc, pc + insn.imm + 1));
      case PSEUDO_BTF_ID:
        throw new VmError('EMAPREF', 'lddw of a kernel BTF object is not available in the VM', pc);
      default:
        throw new VmError('EINVAL_INSN', `invalid lddw source ${insn.src}`, pc);
    }
  }

  private linker(options: DecodeOptions, pc: number): MapLinker {
    if (!options.maps) throw new VmError('EMAPREF', 'lddw refers to a map but the program has no maps', pc);
    return options.maps;
  }
}
