import { AluOp, aluOpOf, Endianness } from './alu.js';
import { InvalidInstructionError } from './errors.js';
import type { Instruction } from './instruction.js';
import { CallSource, JumpOp, jumpOpOf } from './jump.js';
import { AtomicOp, PSEUDO_SOURCE_NAMES, PseudoSource } from './load-store.js';
import { classOf, InsnClass, Mode, modeOf, Size, sizeOf, Source } from './opcode.js';
import { branchTarget } from './flow.js';
import { checkInstruction } from './validate.js';

/**
 * Output syntax:
 * - `llvm`: what `llvm-objdump -d` prints for BPF (`r0 = *(u32 *)(r1 + 0x4)`, `if r1 > 0x5 goto +0x3`).
 * - `conformance`: the bpf_conformance/uBPF assembly (`ldxw %r0, [%r1+4]`, `jgt %r1, 5, +3`).
 */
export type DisasmStyle = 'llvm' | 'conformance';

export interface DisasmOptions {
  readonly style?: DisasmStyle;
  /**
   * LLVM style only: print 32-bit loads, stores and atomics with `w` registers, as
   * `llvm-objdump --mattr=+alu32` does (and as clang's -mcpu=v3/v4 output is meant to be read).
   * Default false, like plain `llvm-objdump -d`.
   */
  readonly alu32?: boolean;
  /** LLVM style only: 16 prints hex like llvm-objdump 19 (default), 10 decimal like llvm-objdump 14. */
  readonly radix?: 16 | 10;
  /**
   * LLVM style only. llvm-objdump drops some fields: the kind of a call (`call 0x1` for helper,
   * local and kfunc alike), the second half of a pseudo `lddw`, the imm of LD_IND. By default those
   * print in a lossless form the assembler reads back (`call pc+0x1`, `call kfunc 0x1`, a fourth
   * `ld_pseudo` operand, `skb[r1 + 0x3]`); `exact: true` prints LLVM's lossy text instead.
   */
  readonly exact?: boolean;
  /**
   * `disassemble` only: name every jump, local call and callback target `L<slot>` and print branches
   * to it by name, so the text can be edited (instructions inserted) and assembled again.
   */
  readonly labels?: boolean;
}

/** One disassembled instruction; `lddw` covers two slots and its second slot has no line. */
export interface DisasmLine {
  readonly index: number;
  readonly text: string;
  /** With `labels`: the label of this instruction, when something branches to it. */
  readonly label?: string;
}

/** Names branch targets; undefined keeps the numeric offset. */
export type LabelOf = (slot: number) => string | undefined;

const ALU_LLVM: Partial<Record<AluOp, string>> = {
  [AluOp.ADD]: '+=', [AluOp.SUB]: '-=', [AluOp.MUL]: '*=', [AluOp.DIV]: '/=', [AluOp.OR]: '|=', [AluOp.AND]: '&=',
  [AluOp.LSH]: '<<=', [AluOp.RSH]: '>>=', [AluOp.MOD]: '%=', [AluOp.XOR]: '^=', [AluOp.ARSH]: 's>>=', [AluOp.MOV]: '=',
};
const JMP_LLVM: Partial<Record<JumpOp, string>> = {
  [JumpOp.JEQ]: '==', [JumpOp.JGT]: '>', [JumpOp.JGE]: '>=', [JumpOp.JSET]: '&', [JumpOp.JNE]: '!=', [JumpOp.JSGT]: 's>',
  [JumpOp.JSGE]: 's>=', [JumpOp.JLT]: '<', [JumpOp.JLE]: '<=', [JumpOp.JSLT]: 's<', [JumpOp.JSLE]: 's<=',
};
const ATOMIC_LLVM: Record<number, string> = { [AtomicOp.ADD]: '+=', [AtomicOp.OR]: '|=', [AtomicOp.AND]: '&=', [AtomicOp.XOR]: '^=' };
const ATOMIC_NAME: Record<number, string> = { [AtomicOp.ADD]: 'add', [AtomicOp.OR]: 'or', [AtomicOp.AND]: 'and', [AtomicOp.XOR]: 'xor' };
const SIZE_BITS: Record<number, number> = { [Size.B]: 8, [Size.H]: 16, [Size.W]: 32, [Size.DW]: 64 };
const SIZE_SUFFIX: Record<number, string> = { [Size.B]: 'b', [Size.H]: 'h', [Size.W]: 'w', [Size.DW]: 'dw' };

/** The 64-bit constant of the `lddw` at `index` (from `imm64`, or joined from the two slots). */
export function lddwValue(insns: readonly Instruction[], index: number): bigint {
  const first = insns[index]!;
  if (first.imm64 !== undefined) return first.imm64;
  const hi = insns[index + 1]?.imm ?? 0;
  return (BigInt(hi >>> 0) << 32n) | BigInt(first.imm >>> 0);
}

/**
 * Disassembles a program, one line per instruction (`lddw` once, for its first slot). Invalid
 * instructions throw `InvalidInstructionError` naming the slot.
 */
export function disassemble(insns: readonly Instruction[], options: DisasmOptions = {}): DisasmLine[] {
  const labelOf = options.labels ? branchTargetLabels(insns) : undefined;
  const out: DisasmLine[] = [];
  for (let i = 0; i < insns.length; i++) {
    const text = formatInstruction(insns, i, options, labelOf);
    const label = labelOf?.(i);
    out.push(label ? { index: i, text, label } : { index: i, text });
    if (insns[i]!.opcode === 0x18) i++;
  }
  return out;
}

/** `L<slot>` for every slot a branch, local call or callback reference lands on (inside the program). */
export function branchTargetLabels(insns: readonly Instruction[]): LabelOf {
  const second = new Uint8Array(insns.length);
  const targets = new Set<number>();
  for (let i = 0; i < insns.length; i++) {
    if (insns[i]!.opcode === 0x18) second[i + 1] = 1;
  }
  for (let i = 0; i < insns.length; i++) {
    if (second[i] || checkInstruction(insns[i]!)) continue;
    const t = branchTarget(insns, i);
    if (t !== undefined && t >= 0 && t < insns.length && !second[t]) targets.add(t);
  }
  return (slot) => (targets.has(slot) ? `L${slot}` : undefined);
}

/** Disassembles to text, one instruction per line. */
export function disassembleText(insns: readonly Instruction[], options: DisasmOptions = {}): string {
  return disassemble(insns, options)
    .map((l) => `${l.label ? `${l.label}:\n` : ''}${l.text}\n`)
    .join('');
}

/** Formats the instruction at `index` (needs the program for `lddw`'s second slot). */
export function formatInstruction(insns: readonly Instruction[], index: number, options: DisasmOptions = {}, labelOf?: LabelOf): string {
  const insn = insns[index];
  if (!insn) throw new RangeError(`no instruction at ${index}`);
  const problem = checkInstruction(insn);
  if (problem) throw new InvalidInstructionError(index, problem.reason, problem.detail);
  if (insn.opcode === 0x18 && index + 1 >= insns.length) throw new InvalidInstructionError(index, 'bad-lddw', 'lddw: missing second slot');
  const target = branchTarget(insns, index);
  const label = target === undefined ? undefined : labelOf?.(target);
  return options.style === 'conformance' ? new ConformanceFormatter(label).format(insns, index) : new LlvmFormatter(options, label).format(insns, index);
}

class LlvmFormatter {
  private readonly hex: boolean;
  private readonly alu32: boolean;
  private readonly exact: boolean;
  /** @param label the name of this instruction's branch target, printed instead of its offset */
  constructor(
    options: DisasmOptions,
    private readonly label?: string,
  ) {
    this.hex = (options.radix ?? 16) === 16;
    this.alu32 = options.alu32 ?? false;
    this.exact = options.exact ?? false;
  }

  /** A branch target: the label, or the relative offset. */
  to(v: number): string {
    return this.label ?? this.rel(v);
  }

  /** A signed number: `0x5`, `-0x5` (or decimal). */
  num(v: number | bigint): string {
    const neg = v < 0;
    const mag = neg ? -BigInt(v) : BigInt(v);
    return `${neg ? '-' : ''}${this.hex ? `0x${mag.toString(16)}` : mag.toString(10)}`;
  }

  /** `+0x3` / `-0x3`: a jump or an address offset sign. */
  rel(v: number): string {
    return v < 0 ? this.num(v) : `+${this.num(v)}`;
  }

  mem(reg: number, offset: number): string {
    return `(r${reg} ${offset < 0 ? '-' : '+'} ${this.num(Math.abs(offset))})`;
  }

  format(insns: readonly Instruction[], i: number): string {
    const insn = insns[i]!;
    switch (classOf(insn.opcode)) {
      case InsnClass.ALU:
      case InsnClass.ALU64:
        return this.alu(insn);
      case InsnClass.JMP:
      case InsnClass.JMP32:
        return this.jump(insn);
      case InsnClass.LD:
        return this.ld(insns, i);
      case InsnClass.LDX: {
        const size = sizeOf(insn.opcode);
        const sx = modeOf(insn.opcode) === Mode.MEMSX;
        const reg = !sx && this.alu32 && size !== Size.DW ? 'w' : 'r';
        return `${reg}${insn.dst} = *(${sx ? 's' : 'u'}${SIZE_BITS[size]} *)${this.mem(insn.src, insn.offset)}`;
      }
      case InsnClass.ST:
        return `*(u${SIZE_BITS[sizeOf(insn.opcode)]} *)${this.mem(insn.dst, insn.offset)} = ${this.num(insn.imm)}`;
      case InsnClass.STX:
        return this.stx(insn);
    }
  }

  alu(insn: Instruction): string {
    const wide = classOf(insn.opcode) === InsnClass.ALU64;
    const r = wide ? 'r' : 'w';
    const op = aluOpOf(insn.opcode);
    const x = (insn.opcode & Source.X) !== 0;
    const dst = `${r}${insn.dst}`;
    if (op === AluOp.NEG) return `${dst} = -${dst}`;
    if (op === AluOp.END) {
      const name = wide ? 'bswap' : (insn.opcode & Source.X) === Endianness.BE ? 'be' : 'le';
      return `r${insn.dst} = ${name}${insn.imm} r${insn.dst}`;
    }
    if (op === AluOp.MOV && x && insn.offset !== 0) return `${dst} = (s${insn.offset})${r}${insn.src}`;
    let sym = ALU_LLVM[op]!;
    if ((op === AluOp.DIV || op === AluOp.MOD) && insn.offset === 1) sym = `s${sym}`;
    return `${dst} ${sym} ${x ? `${r}${insn.src}` : this.num(insn.imm)}`;
  }

  jump(insn: Instruction): string {
    const op = jumpOpOf(insn.opcode);
    const jmp32 = classOf(insn.opcode) === InsnClass.JMP32;
    switch (op) {
      case JumpOp.EXIT:
        return 'exit';
      case JumpOp.JA:
        return jmp32 ? `gotol ${this.to(insn.imm)}` : `goto ${this.to(insn.offset)}`;
      case JumpOp.CALL:
        if ((insn.opcode & Source.X) !== 0) return `callx r${insn.dst}`;
        if (!this.exact && insn.src === CallSource.LOCAL) return this.label ? `call ${this.label}` : `call pc${this.rel(insn.imm)}`;
        if (!this.exact && insn.src === CallSource.KFUNC) return `call kfunc ${this.num(insn.imm)}`;
        return `call ${this.num(insn.imm)}`;
      default: {
        const r = jmp32 ? 'w' : 'r';
        const rhs = (insn.opcode & Source.X) !== 0 ? `${r}${insn.src}` : this.num(insn.imm);
        return `if ${r}${insn.dst} ${JMP_LLVM[op]} ${rhs} goto ${this.to(insn.offset)}`;
      }
    }
  }

  ld(insns: readonly Instruction[], i: number): string {
    const insn = insns[i]!;
    const mode = modeOf(insn.opcode);
    const bits = SIZE_BITS[sizeOf(insn.opcode)];
    if (mode === Mode.ABS) return `r0 = *(u${bits} *)skb[${this.num(insn.imm)}]`;
    if (mode === Mode.IND) {
      const extra = !this.exact && insn.imm !== 0 ? ` ${insn.imm < 0 ? '-' : '+'} ${this.num(Math.abs(insn.imm))}` : '';
      return `r0 = *(u${bits} *)skb[r${insn.src}${extra}]`;
    }
    const value = lddwValue(insns, i);
    if (insn.src === PseudoSource.IMM64) return `r${insn.dst} = ${this.num(BigInt.asIntN(64, value))} ll`;
    const hi = Number(BigInt.asIntN(32, value >> 32n));
    const lo = Number(BigInt.asIntN(32, value));
    const tail = !this.exact && hi !== 0 ? `, ${this.num(hi)}` : '';
    const what = insn.src === PseudoSource.FUNC && this.label && hi === 0 ? this.label : this.num(lo);
    return `ld_pseudo\tr${insn.dst}, ${this.num(insn.src)}, ${what}${tail}`;
  }

  stx(insn: Instruction): string {
    const size = sizeOf(insn.opcode);
    const bits = SIZE_BITS[size];
    const narrow = size !== Size.DW;
    if (modeOf(insn.opcode) === Mode.MEM) {
      return `*(u${bits} *)${this.mem(insn.dst, insn.offset)} = ${narrow && this.alu32 ? 'w' : 'r'}${insn.src}`;
    }
    const addr = this.mem(insn.dst, insn.offset);
    // 32-bit fetching atomics only exist with alu32, so LLVM prints them with w registers.
    const w = narrow ? 'w' : 'r';
    switch (insn.imm) {
      case AtomicOp.XCHG:
        return `${w}${insn.src} = xchg${narrow ? '32_32' : '_64'}(${addr.slice(1, -1)}, ${w}${insn.src})`;
      case AtomicOp.CMPXCHG:
        return `${w}0 = cmpxchg${narrow ? '32_32' : '_64'}(${addr.slice(1, -1)}, ${w}0, ${w}${insn.src})`;
      default:
        if ((insn.imm & AtomicOp.FETCH) !== 0) {
          return `${w}${insn.src} = atomic_fetch_${ATOMIC_NAME[insn.imm & ~AtomicOp.FETCH]}((u${bits} *)${addr}, ${w}${insn.src})`;
        }
        return `lock *(u${bits} *)${addr} ${ATOMIC_LLVM[insn.imm]} ${narrow && this.alu32 ? 'w' : 'r'}${insn.src}`;
    }
  }
}

/** bpf_conformance syntax: decimal imm and offsets, hex for `lddw`. */
class ConformanceFormatter {
  /** @param label the name of this instruction's branch target, printed instead of its offset */
  constructor(private readonly label?: string) {}

  mem(reg: number, offset: number): string {
    return offset === 0 ? `[%r${reg}]` : `[%r${reg}${offset < 0 ? '-' : '+'}${Math.abs(offset)}]`;
  }

  rel(v: number): string {
    return this.label ?? (v < 0 ? `${v}` : `+${v}`);
  }

  format(insns: readonly Instruction[], i: number): string {
    const insn = insns[i]!;
    const size = sizeOf(insn.opcode);
    switch (classOf(insn.opcode)) {
      case InsnClass.ALU:
      case InsnClass.ALU64:
        return this.alu(insn);
      case InsnClass.JMP:
      case InsnClass.JMP32:
        return this.jump(insn);
      case InsnClass.LD: {
        const mode = modeOf(insn.opcode);
        if (mode === Mode.ABS) return `ldabs${SIZE_SUFFIX[size]} ${insn.imm}`;
        if (mode === Mode.IND) return `ldind${SIZE_SUFFIX[size]} %r${insn.src}, ${insn.imm}`;
        const value = lddwValue(insns, i);
        if (insn.src === PseudoSource.IMM64) return `lddw %r${insn.dst}, 0x${value.toString(16)}`;
        const hi = Number(BigInt.asIntN(32, value >> 32n));
        const lo = Number(BigInt.asIntN(32, value));
        const what = insn.src === PseudoSource.FUNC && this.label && hi === 0 ? this.label : `${lo}`;
        return `lddw %r${insn.dst}, ${PSEUDO_SOURCE_NAMES[insn.src as PseudoSource]} ${what}${hi !== 0 ? `, ${hi}` : ''}`;
      }
      case InsnClass.LDX: {
        const sx = modeOf(insn.opcode) === Mode.MEMSX ? 's' : '';
        return `ldx${sx}${SIZE_SUFFIX[size]} %r${insn.dst}, ${this.mem(insn.src, insn.offset)}`;
      }
      case InsnClass.ST:
        return `st${SIZE_SUFFIX[size]} ${this.mem(insn.dst, insn.offset)}, ${insn.imm}`;
      case InsnClass.STX: {
        if (modeOf(insn.opcode) === Mode.MEM) return `stx${SIZE_SUFFIX[size]} ${this.mem(insn.dst, insn.offset)}, %r${insn.src}`;
        const w = size === Size.W ? '32' : '';
        const operands = `${this.mem(insn.dst, insn.offset)}, %r${insn.src}`;
        if (insn.imm === AtomicOp.XCHG) return `lock xchg${w} ${operands}`;
        if (insn.imm === AtomicOp.CMPXCHG) return `lock cmpxchg${w} ${operands}`;
        const fetch = (insn.imm & AtomicOp.FETCH) !== 0 ? 'fetch ' : '';
        return `lock ${fetch}${ATOMIC_NAME[insn.imm & ~AtomicOp.FETCH]}${w} ${operands}`;
      }
    }
  }

  alu(insn: Instruction): string {
    const wide = classOf(insn.opcode) === InsnClass.ALU64;
    const w = wide ? '' : '32';
    const op = aluOpOf(insn.opcode);
    const x = (insn.opcode & Source.X) !== 0;
    if (op === AluOp.NEG) return `neg${w} %r${insn.dst}`;
    if (op === AluOp.END) {
      const name = wide ? 'bswap' : (insn.opcode & Source.X) === Endianness.BE ? 'be' : 'le';
      return `${name}${insn.imm} %r${insn.dst}`;
    }
    if (op === AluOp.MOV && x && insn.offset !== 0) return `movsx${insn.offset}${wide ? '64' : '32'} %r${insn.dst}, %r${insn.src}`;
    let name = AluOp[op].toLowerCase();
    if ((op === AluOp.DIV || op === AluOp.MOD) && insn.offset === 1) name = `s${name}`;
    return `${name}${w} %r${insn.dst}, ${x ? `%r${insn.src}` : insn.imm}`;
  }

  jump(insn: Instruction): string {
    const op = jumpOpOf(insn.opcode);
    const jmp32 = classOf(insn.opcode) === InsnClass.JMP32;
    switch (op) {
      case JumpOp.EXIT:
        return 'exit';
      case JumpOp.JA:
        return jmp32 ? `ja32 ${this.rel(insn.imm)}` : `ja ${this.rel(insn.offset)}`;
      case JumpOp.CALL:
        if ((insn.opcode & Source.X) !== 0) return `call %r${insn.dst}`;
        if (insn.src === CallSource.LOCAL) return `call local ${this.rel(insn.imm)}`;
        if (insn.src === CallSource.KFUNC) return `call runtime ${insn.imm}`;
        return `call ${insn.imm}`;
      default: {
        const rhs = (insn.opcode & Source.X) !== 0 ? `%r${insn.src}` : `${insn.imm}`;
        return `${JumpOp[op].toLowerCase()}${jmp32 ? '32' : ''} %r${insn.dst}, ${rhs}, ${this.rel(insn.offset)}`;
      }
    }
  }
}
