import { AluOp, aluOpOf, Endianness, SIGNED_DIV_OFFSET, SWAP_WIDTHS } from './alu.js';
import { InvalidInstructionError, type InvalidReason } from './errors.js';
import type { Instruction } from './instruction.js';
import { CallSource, isConditional, JumpOp, jumpOpOf } from './jump.js';
import { branchTarget } from './flow.js';
import { checkRegisterInit } from './init-check.js';
import { ATOMIC_IMMS, PseudoSource } from './load-store.js';
import { classOf, InsnClass, Mode, modeOf, Size, sizeOf, Source } from './opcode.js';
import { R10, REGISTER_COUNT } from './register.js';

/** A problem found in one instruction: reason code and a sentence naming the field and its value. */
export interface Problem {
  readonly reason: InvalidReason;
  readonly detail: string;
}

const LDDW = 0x18;

/**
 * Checks one instruction's encoding against RFC 9669: known opcode, fields the opcode does not use
 * set to zero, registers in range, r10 not written, valid imm/offset selectors. The second slot of
 * `lddw` and jump targets need the whole program: see `validateProgram`.
 */
export function checkInstruction(insn: Instruction): Problem | undefined {
  const { opcode } = insn;
  if (insn.dst >= REGISTER_COUNT) return { reason: 'bad-register', detail: `dst register r${insn.dst} does not exist` };
  if (insn.src >= REGISTER_COUNT) return { reason: 'bad-register', detail: `src register r${insn.src} does not exist` };
  switch (classOf(opcode)) {
    case InsnClass.ALU:
    case InsnClass.ALU64:
      return checkAlu(insn);
    case InsnClass.JMP:
    case InsnClass.JMP32:
      return checkJump(insn);
    case InsnClass.LD:
      return checkLd(insn);
    case InsnClass.LDX:
      return checkLdx(insn);
    case InsnClass.ST:
      return checkSt(insn);
    case InsnClass.STX:
      return checkStx(insn);
  }
}

function hex(opcode: number): string {
  return `0x${opcode.toString(16).padStart(2, '0')}`;
}

function unknown(opcode: number): Problem {
  return { reason: 'unknown-opcode', detail: `unknown opcode ${hex(opcode)}` };
}

function reserved(what: string, field: 'src' | 'dst' | 'offset' | 'imm', value: number): Problem {
  return { reason: 'reserved-field', detail: `${what}: ${field} must be 0 (is ${value})` };
}

/** The mnemonic for a message, computed only when there is something to report. */
type Name = string | (() => string);
const nameText = (what: Name): string => (typeof what === 'string' ? what : what());

/** Fields that must be zero, in order of report. */
function zeroFields(what: Name, insn: Instruction, fields: readonly ('src' | 'dst' | 'offset' | 'imm')[]): Problem | undefined {
  for (const f of fields) if (insn[f] !== 0) return reserved(nameText(what), f, insn[f]);
  return undefined;
}

function writesR10(insn: Instruction, what: Name): Problem | undefined {
  return insn.dst === R10 ? { reason: 'readonly-register', detail: `${nameText(what)}: r10 is read-only` } : undefined;
}

function checkAlu(insn: Instruction): Problem | undefined {
  const { opcode } = insn;
  const op = aluOpOf(opcode);
  const wide = classOf(opcode) === InsnClass.ALU64;
  const x = (opcode & Source.X) !== 0;
  const name = (): string => `${AluOp[op]}${wide ? '64' : '32'}`.toLowerCase();
  if (op === AluOp.Invalid) return unknown(opcode);
  if (op === AluOp.NEG) {
    if (x) return unknown(opcode);
    return zeroFields(name, insn, ['src', 'offset', 'imm']) ?? writesR10(insn, name);
  }
  if (op === AluOp.END) {
    if (wide && x) return unknown(opcode);
    const what = wide ? 'bswap' : (opcode & Source.X) === Endianness.BE ? 'be' : 'le';
    const p = zeroFields(() => (SWAP_WIDTHS.includes(insn.imm) ? `${what}${insn.imm}` : what), insn, ['src', 'offset']);
    if (p) return p;
    if (!SWAP_WIDTHS.includes(insn.imm)) return { reason: 'bad-imm', detail: `${what}: width must be 16, 32 or 64 (is ${insn.imm})` };
    return writesR10(insn, what);
  }
  if (x && insn.imm !== 0) return reserved(name(), 'imm', insn.imm);
  if (!x && insn.src !== 0) return reserved(name(), 'src', insn.src);
  if (insn.offset !== 0) {
    const signedDiv = (op === AluOp.DIV || op === AluOp.MOD) && insn.offset === SIGNED_DIV_OFFSET;
    const movsx = op === AluOp.MOV && x && (insn.offset === 8 || insn.offset === 16 || (wide && insn.offset === 32));
    if (!signedDiv && !movsx) {
      if (op === AluOp.MOV && x) return { reason: 'bad-offset', detail: `${name()}: sign-extension width must be ${wide ? '8, 16 or 32' : '8 or 16'} (is ${insn.offset})` };
      return reserved(name(), 'offset', insn.offset);
    }
  }
  return writesR10(insn, name);
}

function checkJump(insn: Instruction): Problem | undefined {
  const { opcode } = insn;
  const op = jumpOpOf(opcode);
  const jmp32 = classOf(opcode) === InsnClass.JMP32;
  const x = (opcode & Source.X) !== 0;
  if (op === JumpOp.Invalid) return unknown(opcode);
  if (op === JumpOp.JA) {
    if (x) return unknown(opcode);
    // JMP|JA takes its target from offset, JMP32|JA (gotol) from imm.
    return zeroFields(jmp32 ? 'gotol' : 'ja', insn, jmp32 ? ['src', 'dst', 'offset'] : ['src', 'dst', 'imm']);
  }
  if (op === JumpOp.EXIT) {
    if (jmp32 || x) return unknown(opcode);
    return zeroFields('exit', insn, ['src', 'dst', 'offset', 'imm']);
  }
  if (op === JumpOp.CALL) {
    if (jmp32) return unknown(opcode);
    if (x) return zeroFields('callx', insn, ['src', 'offset', 'imm']);
    const p = zeroFields('call', insn, ['dst', 'offset']);
    if (p) return p;
    if (insn.src > CallSource.KFUNC) return { reason: 'bad-register', detail: `call: src must be 0 (helper), 1 (local) or 2 (kfunc) (is ${insn.src})` };
    return undefined;
  }
  if (isConditional(op)) {
    const name = (): string => `${JumpOp[op].toLowerCase()}${jmp32 ? '32' : ''}`;
    if (x && insn.imm !== 0) return reserved(name(), 'imm', insn.imm);
    if (!x && insn.src !== 0) return reserved(name(), 'src', insn.src);
  }
  return undefined;
}

function checkLd(insn: Instruction): Problem | undefined {
  const { opcode } = insn;
  const mode = modeOf(opcode);
  const size = sizeOf(opcode);
  if (mode === Mode.IMM && size === Size.DW) {
    if (insn.offset !== 0) return reserved('lddw', 'offset', insn.offset);
    if (insn.src > PseudoSource.MAP_IDX_VALUE) return { reason: 'bad-lddw', detail: `lddw: unknown pseudo source ${insn.src}` };
    return writesR10(insn, 'lddw');
  }
  if ((mode === Mode.ABS || mode === Mode.IND) && size !== Size.DW) {
    const what = (): string => `${mode === Mode.ABS ? 'ldabs' : 'ldind'}${SUFFIX[size]}`;
    return zeroFields(what, insn, mode === Mode.ABS ? ['src', 'dst', 'offset'] : ['dst', 'offset']);
  }
  return unknown(opcode);
}

const SUFFIX: Record<number, string> = { [Size.W]: 'w', [Size.H]: 'h', [Size.B]: 'b', [Size.DW]: 'dw' };

function checkLdx(insn: Instruction): Problem | undefined {
  const mode = modeOf(insn.opcode);
  if (mode === Mode.MEM || (mode === Mode.MEMSX && sizeOf(insn.opcode) !== Size.DW)) {
    const name = (): string => `${mode === Mode.MEM ? 'ldx' : 'ldxs'}${SUFFIX[sizeOf(insn.opcode)]}`;
    return zeroFields(name, insn, ['imm']) ?? writesR10(insn, name);
  }
  return unknown(insn.opcode);
}

function checkSt(insn: Instruction): Problem | undefined {
  if (modeOf(insn.opcode) !== Mode.MEM) return unknown(insn.opcode);
  return zeroFields(() => `st${SUFFIX[sizeOf(insn.opcode)]}`, insn, ['src']);
}

function checkStx(insn: Instruction): Problem | undefined {
  const mode = modeOf(insn.opcode);
  if (mode === Mode.MEM) return zeroFields(() => `stx${SUFFIX[sizeOf(insn.opcode)]}`, insn, ['imm']);
  if (mode === Mode.ATOMIC) {
    const size = sizeOf(insn.opcode);
    if (size !== Size.W && size !== Size.DW) return unknown(insn.opcode);
    if (!ATOMIC_IMMS.includes(insn.imm)) return { reason: 'bad-imm', detail: `atomic: unknown operation imm=0x${(insn.imm >>> 0).toString(16)}` };
    const fetches = (insn.imm & 0x01) !== 0;
    if (fetches && insn.src === R10 && insn.imm !== 0xf1) return { reason: 'readonly-register', detail: 'atomic fetch: r10 is read-only' };
    return undefined;
  }
  return unknown(insn.opcode);
}

/** Throws `InvalidInstructionError` when `checkInstruction` finds a problem. */
export function validateInstruction(insn: Instruction, index = 0): void {
  const p = checkInstruction(insn);
  if (p) throw new InvalidInstructionError(index, p.reason, p.detail);
}

/** Options of `validateProgram`. */
export interface ValidateOptions {
  /**
   * Require the last reachable instruction to be `exit` or an unconditional jump, so execution
   * cannot run past the end (the kernel's rule). Default true.
   */
  readonly requireTerminator?: boolean;
  /**
   * When given, also refuse reads of registers that no path has written, with these registers
   * defined at entry (the kernel passes r1 and r10). See `checkRegisterInit`.
   */
  readonly entryRegisters?: readonly number[];
}

/**
 * Checks a whole program: not empty, every instruction valid, each `lddw` followed by a second
 * slot whose unused fields are zero, every jump and local call landing on an instruction (not
 * past the end, not inside a `lddw`). Throws the first `InvalidInstructionError`.
 */
export function validateProgram(insns: readonly Instruction[], options: ValidateOptions = {}): void {
  if (insns.length === 0) throw new InvalidInstructionError(0, 'empty-program', 'program has no instructions');
  const secondSlot = new Uint8Array(insns.length);
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    validateInstruction(insn, i);
    if (insn.opcode === LDDW) {
      const next = insns[i + 1];
      if (!next) throw new InvalidInstructionError(i, 'bad-lddw', 'lddw: missing second slot');
      for (const f of ['opcode', 'dst', 'src', 'offset'] as const) {
        if (next[f] !== 0) throw new InvalidInstructionError(i + 1, 'bad-lddw', `lddw second slot: ${f} must be 0 (is ${next[f]})`);
      }
      secondSlot[i + 1] = 1;
      i++;
    }
  }
  for (let i = 0; i < insns.length; i++) {
    if (secondSlot[i]) continue;
    const target = branchTarget(insns, i);
    if (target === undefined) continue;
    if (target < 0 || target >= insns.length) {
      throw new InvalidInstructionError(i, 'jump-out-of-range', `target ${target} is outside the program (0..${insns.length - 1})`);
    }
    if (secondSlot[target]) throw new InvalidInstructionError(i, 'jump-into-lddw', `target ${target} is the second slot of lddw`);
  }
  if (options.requireTerminator ?? true) {
    let last = insns.length - 1;
    if (secondSlot[last]) last--;
    const insn = insns[last]!;
    const terminal = insn.opcode === 0x95 || insn.opcode === 0x05 || insn.opcode === 0x06;
    if (!terminal) throw new InvalidInstructionError(last, 'falls-off-end', 'last instruction is not exit or goto: execution falls off the end');
  }
  if (options.entryRegisters) checkRegisterInit(insns, options.entryRegisters);
}
