import { AluOp, Endianness } from './alu.js';
import { asm, link, LinkError, type AsmInstruction, type AsmItem } from './builder.js';
import type { Instruction } from './instruction.js';
import { CallSource, JumpOp } from './jump.js';
import { AtomicOp, PSEUDO_SOURCE_NAMES, PseudoSource } from './load-store.js';
import { parseSized } from './numbers.js';
import { InsnClass, Mode, Size, Source } from './opcode.js';
import { isRegister, type Register } from './register.js';

/** A line of assembly that cannot be assembled: the line (1-based), the column and what is wrong. */
export class AssemblyError extends Error {
  readonly code = 'EBPF_ASM';
  constructor(
    readonly line: number,
    readonly column: number,
    readonly text: string,
    readonly problem: string,
  ) {
    super(`line ${line}:${column}: ${problem}${text ? ` (in '${text}')` : ''}`);
    this.name = 'AssemblyError';
  }
}

/** Thrown inside one line's parse; turned into an AssemblyError with the line's position. */
class LineError extends Error {
  constructor(
    message: string,
    readonly token?: string,
  ) {
    super(message);
  }
}

const LABEL = /^([A-Za-z_.$][\w.$]*):\s*(.*)$/;
const TARGET = /^([+-](?:0x[0-9a-f]+|\d+)|[A-Za-z_.$][\w.$]*)$/i;
/** A line of the kernel's verifier log or `bpftool prog dump xlated`: `12: (b7) r0 = 0`. */
const KERNEL_PREFIX = /^\s*\d+:\s*\([0-9a-f]{2}\)\s*/i;
/** llvm-objdump's headers: `x.o:\tfile format elf64-bpf`, `Disassembly of section xdp:`; ignored. */
const OBJDUMP_HEADER = /^(\S.*:\s+file format \S+|Disassembly of section .*:)\s*$/;
/** llvm-objdump's symbol line `0000000000000000 <count_packets>:` declares a label. */
const OBJDUMP_SYMBOL = /^[0-9a-f]+ <([A-Za-z_.$][\w.$]*)>:\s*$/i;
const OBJDUMP_PREFIX = /^\s*[0-9a-f]+:\s+(?:[0-9a-f]{2}\s){8}(?:(?:[0-9a-f]{2}\s){8})?\s*/i;
const NUM = '[+-]?(?:0x[0-9a-fA-F]+|\\d+)';
const MEM = `\\(\\s*r(\\d+)\\s*(?:([+-])\\s*(${NUM}))?\\s*\\)`;

/**
 * Parses assembly in either syntax, line by line (they may be mixed):
 * - LLVM/kernel: `r0 = *(u32 *)(r1 + 0x4)`, `if r1 > 0x5 goto +0x3`, `lock *(u64 *)(r0 + 0x0) += r1`,
 *   `r1 = 0x0 ll`, `call 0x1`, labels as jump targets (`goto out`). Text pasted from llvm-objdump
 *   (addresses, bytes, `<sym+0x10>` suffixes) is accepted, and so are lines of the kernel's verifier
 *   log (`13: (15) if r0 == 0x0 goto pc+6`, `atomic64_fetch_add(...)`, `call bpf_map_lookup_elem#1`).
 * - bpf_conformance: `mov32 %r0, 0`, `ldxw %r0, [%r1+4]`, `jeq %r1, 0x5, +3`, `lock fetch add [%r10-8], %r1`,
 *   `call local fn`, `call 5`, `call %r2`, `lddw %r0, 0x1122334455667788`, `be16 %r0`, `ldabsb 4`.
 * Comments start with `#`, `;` or `//`. Returns builder items; `assemble` also links them.
 */
export function parseAssembly(source: string): AsmItem[] {
  const items: AsmItem[] = [];
  const lines = source.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    if (OBJDUMP_HEADER.test(raw.trim())) return;
    const symbol = OBJDUMP_SYMBOL.exec(raw.trim());
    if (symbol) {
      items.push({ kind: 'label', name: symbol[1]!, line: lineNo });
      return;
    }
    let text = stripComment(raw.replace(OBJDUMP_PREFIX, '').replace(KERNEL_PREFIX, ''))
      .replace(/\s+<[^<>]*>\s*$/, '')
      .trim();
    for (let m = LABEL.exec(text); m; m = LABEL.exec(text)) {
      items.push({ kind: 'label', name: m[1]!, line: lineNo });
      text = m[2]!.trim();
    }
    if (!text) return;
    try {
      const insn = parseInstruction(text);
      items.push({ ...insn, line: lineNo });
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      const col = e.token ? raw.indexOf(e.token) : -1;
      throw new AssemblyError(lineNo, col >= 0 ? col + 1 : raw.length - raw.trimStart().length + 1, raw.trim(), e.message);
    }
  });
  return items;
}

/** An assembled program with the slot of each label (for symbol names in an object file). */
export interface AssembledProgram {
  readonly insns: Instruction[];
  readonly labels: ReadonlyMap<string, number>;
}

/**
 * Assembles source text into instructions (one per slot). The first `exit` is also the label
 * `exit` unless the program defines one, as in the conformance suite (`jne %r0, %r1, exit`).
 */
export function assemble(source: string): Instruction[] {
  return assembleProgram(source).insns;
}

/** `assemble`, also returning where each label landed. */
export function assembleProgram(source: string): AssembledProgram {
  const items = parseAssembly(source);
  const defined = new Set(items.flatMap((it) => (it.kind === 'label' ? [it.name] : [])));
  const wantsExit = items.some((it) => it.kind === 'insn' && it.target === 'exit');
  if (wantsExit && !defined.has('exit')) {
    const at = items.findIndex((it) => it.kind === 'insn' && it.insn.opcode === 0x95);
    if (at >= 0) items.splice(at, 0, { kind: 'label', name: 'exit' });
  }
  try {
    const insns = link(items);
    const labels = new Map<string, number>();
    let slot = 0;
    for (const it of items) {
      if (it.kind === 'label') labels.set(it.name, slot);
      else slot += it.insn.opcode === 0x18 ? 2 : 1;
    }
    return { insns, labels };
  } catch (e) {
    if (e instanceof LinkError) {
      const line = e.line ?? 0;
      const text = source.split(/\r?\n/)[line - 1] ?? '';
      const col = text.indexOf(e.label);
      throw new AssemblyError(line, col >= 0 ? col + 1 : 1, text.trim(), e.message);
    }
    throw e;
  }
}

/** Drops a `#`, `;` or `//` comment: at the start of the line or after a space (`name#1` in the kernel's `call bpf_map_lookup_elem#1` is not one). */
function stripComment(line: string): string {
  const m = /(^|\s)(#|;|\/\/)/.exec(line);
  return m ? line.slice(0, m.index) : line;
}

function parseInstruction(text: string): AsmInstruction {
  const first = /^[^\s,]*/.exec(text)![0];
  if (/^[rw]\d+(?!\w)/.test(text) || text.startsWith('*(') || /^(if|goto|gotol|ld_pseudo)$/.test(first) || /^lock\s*\*/.test(text)) {
    return parseLlvm(text);
  }
  return parseConformance(text);
}

// ---------------------------------------------------------------- shared operand parsing

function reg(text: string): Register {
  const m = /^%?r(\d+)$/.exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!isRegister(n)) throw new LineError(`invalid register '${text.trim()}'`, text.trim());
  return n;
}

function imm32(text: string): number {
  const r = parseSized(text, 32);
  if ('error' in r) throw new LineError(`invalid immediate: ${r.error}`, text.trim());
  return Number(r.value);
}

function imm64(text: string): bigint {
  const r = parseSized(text, 64);
  if ('error' in r) throw new LineError(`invalid 64-bit immediate: ${r.error}`, text.trim());
  return r.value;
}

function offset16(sign: string | undefined, text: string | undefined): number {
  if (text === undefined) return 0;
  const t = sign === '-' ? (text.startsWith('-') ? text.slice(1) : `-${text.replace(/^\+/, '')}`) : text;
  const r = parseSized(t, 16);
  if ('error' in r) throw new LineError(`invalid offset: ${r.error}`, text);
  return Number(r.value);
}

/** A jump target: `+3`, `-0x2`, `pc+3` (kernel), or a label name. */
function target(text: string): number | string {
  const t = text.trim().replace(/^pc(?=[+-])/, '');
  if (!TARGET.test(t)) throw new LineError(`invalid jump target '${t}'`, t);
  if (!/^[+-]/.test(t)) return t;
  const r = parseSized(t, 32);
  if ('error' in r) throw new LineError(`invalid jump target: ${r.error}`, t);
  return Number(r.value);
}

function withTarget(insn: Instruction, t: number | string, field: 'offset' | 'imm'): AsmInstruction {
  if (typeof t === 'string') return { kind: 'insn', insn, target: t };
  if (field === 'offset' && (t < -32768 || t > 32767)) throw new LineError(`jump offset ${t} does not fit in 16 bits`);
  return { kind: 'insn', insn: { ...insn, [field]: t } };
}

function insn(opcode: number, dst: number, src: number, offset: number, imm: number): AsmInstruction {
  return { kind: 'insn', insn: { opcode, dst, src, offset, imm } };
}

const SIZE_OF_BITS: Record<string, Size> = { '8': Size.B, '16': Size.H, '32': Size.W, '64': Size.DW };
const SIZE_OF_SUFFIX: Record<string, Size> = { b: Size.B, h: Size.H, w: Size.W, dw: Size.DW };

// ---------------------------------------------------------------- LLVM syntax

const ALU_SYMBOLS: Record<string, [AluOp, number]> = {
  '+=': [AluOp.ADD, 0], '-=': [AluOp.SUB, 0], '*=': [AluOp.MUL, 0], '/=': [AluOp.DIV, 0], 's/=': [AluOp.DIV, 1],
  '|=': [AluOp.OR, 0], '&=': [AluOp.AND, 0], '<<=': [AluOp.LSH, 0], '>>=': [AluOp.RSH, 0], '%=': [AluOp.MOD, 0],
  's%=': [AluOp.MOD, 1], '^=': [AluOp.XOR, 0], 's>>=': [AluOp.ARSH, 0], '=': [AluOp.MOV, 0],
};
const JUMP_SYMBOLS: Record<string, JumpOp> = {
  '==': JumpOp.JEQ, '!=': JumpOp.JNE, '>': JumpOp.JGT, '>=': JumpOp.JGE, '<': JumpOp.JLT, '<=': JumpOp.JLE,
  's>': JumpOp.JSGT, 's>=': JumpOp.JSGE, 's<': JumpOp.JSLT, 's<=': JumpOp.JSLE, '&': JumpOp.JSET,
};
const ATOMIC_SYMBOLS: Record<string, AtomicOp> = { '+=': AtomicOp.ADD, '|=': AtomicOp.OR, '&=': AtomicOp.AND, '^=': AtomicOp.XOR };
const ATOMIC_NAMES: Record<string, AtomicOp> = { add: AtomicOp.ADD, or: AtomicOp.OR, and: AtomicOp.AND, xor: AtomicOp.XOR };

type Rule = [RegExp, (m: RegExpExecArray) => AsmInstruction];
const re = (s: string): RegExp => new RegExp(`^${s}$`);
const R = '([rw])(\\d+)';

/** Checks that `w`/`r` prefixes agree with the operation width. */
function width(prefixes: (string | undefined)[], expectWide?: boolean): boolean {
  const present = prefixes.filter((p): p is string => p !== undefined);
  const wide = present[0] === 'r';
  if (present.some((p) => (p === 'r') !== wide)) throw new LineError('mixes 32-bit (w) and 64-bit (r) registers');
  if (expectWide !== undefined && wide !== expectWide) throw new LineError(`expects ${expectWide ? 'r' : 'w'} registers`);
  return wide;
}

/**
 * Register letters of an atomic: 64-bit ones take r registers; 32-bit ones w (LLVM) or r (the
 * kernel's log), consistently. An `atomic64_` name must access a u64.
 */
function atomicWidth(size: string, suffix64: string | undefined, prefixes: (string | undefined)[]): void {
  if (suffix64 && size !== '64') throw new LineError('atomic64_* accesses a u64');
  if (size === '64') width(prefixes, true);
  else width(prefixes);
}

const LLVM_RULES: Rule[] = [
  // loads: r0 = *(u32 *)(r1 + 0x4), r0 = *(s8 *)(r1 - 2)
  [re(`${R}\\s*=\\s*\\*\\(\\s*([us])(8|16|32|64)\\s*\\*\\s*\\)\\s*${MEM}`), (m) => {
    const sx = m[3] === 's';
    if (sx && m[4] === '64') throw new LineError('no sign-extending 64-bit load (use u64)', 's64');
    if (m[1] === 'w' && (sx || m[4] === '64')) throw new LineError('a w register takes only u8/u16/u32 loads');
    return insn((sx ? Mode.MEMSX : Mode.MEM) | SIZE_OF_BITS[m[4]!]! | InsnClass.LDX, reg(`r${m[2]}`), reg(`r${m[5]}`), offset16(m[6], m[7]), 0);
  }],
  // stores: *(u32 *)(r10 - 8) = r1 | w1 | 5
  [re(`\\*\\(\\s*u(8|16|32|64)\\s*\\*\\s*\\)\\s*${MEM}\\s*=\\s*(?:${R}|(${NUM}))`), (m) => {
    const size = SIZE_OF_BITS[m[1]!]!;
    const dst = reg(`r${m[2]}`);
    const off = offset16(m[3], m[4]);
    if (m[5] !== undefined) {
      if (m[5] === 'w' && size === Size.DW) throw new LineError('a 64-bit store takes an r register');
      return insn(Mode.MEM | size | InsnClass.STX, dst, reg(`r${m[6]}`), off, 0);
    }
    return insn(Mode.MEM | size | InsnClass.ST, dst, 0, off, imm32(m[7]!));
  }],
  // lock *(u64 *)(r0 + 0) += r1
  [re(`lock\\s+\\*\\(\\s*u(32|64)\\s*\\*\\s*\\)\\s*${MEM}\\s*(\\+=|\\|=|&=|\\^=)\\s*${R}`), (m) => {
    return insn(Mode.ATOMIC | SIZE_OF_BITS[m[1]!]! | InsnClass.STX, reg(`r${m[2]}`), reg(`r${m[7]}`), offset16(m[3], m[4]), ATOMIC_SYMBOLS[m[5]!]!);
  }],
  // r1 = atomic_fetch_add((u64 *)(r0 + 0), r1); kernel: r1 = atomic64_fetch_add((u64 *)(r0 +0), r1)
  [re(`${R}\\s*=\\s*atomic(64)?_fetch_(add|or|and|xor)\\(\\s*\\(\\s*u(32|64)\\s*\\*\\s*\\)\\s*${MEM}\\s*,\\s*${R}\\s*\\)`), (m) => {
    const src = reg(`r${m[10]}`);
    if (reg(`r${m[2]}`) !== src) throw new LineError('atomic_fetch_* returns into its source register');
    atomicWidth(m[5]!, m[3], [m[1], m[9]]);
    return insn(Mode.ATOMIC | SIZE_OF_BITS[m[5]!]! | InsnClass.STX, reg(`r${m[6]}`), src, offset16(m[7], m[8]), ATOMIC_NAMES[m[4]!]! | AtomicOp.FETCH);
  }],
  // kernel: r1 = atomic64_xchg((u64 *)(r0 +0), r1), r0 = atomic_cmpxchg((u32 *)(r6 +68), r0, r2)
  [re(`${R}\\s*=\\s*atomic(64)?_xchg\\(\\s*\\(\\s*u(32|64)\\s*\\*\\s*\\)\\s*${MEM}\\s*,\\s*${R}\\s*\\)`), (m) => {
    const src = reg(`r${m[9]}`);
    if (reg(`r${m[2]}`) !== src) throw new LineError('xchg returns into its source register');
    atomicWidth(m[4]!, m[3], [m[1], m[8]]);
    return insn(Mode.ATOMIC | SIZE_OF_BITS[m[4]!]! | InsnClass.STX, reg(`r${m[5]}`), src, offset16(m[6], m[7]), AtomicOp.XCHG);
  }],
  [re(`([rw])0\\s*=\\s*atomic(64)?_cmpxchg\\(\\s*\\(\\s*u(32|64)\\s*\\*\\s*\\)\\s*${MEM}\\s*,\\s*([rw])0\\s*,\\s*${R}\\s*\\)`), (m) => {
    atomicWidth(m[3]!, m[2], [m[1], m[7], m[8]]);
    return insn(Mode.ATOMIC | SIZE_OF_BITS[m[3]!]! | InsnClass.STX, reg(`r${m[4]}`), reg(`r${m[9]}`), offset16(m[5], m[6]), AtomicOp.CMPXCHG);
  }],
  // r1 = xchg_64(r0 + 0, r1), w1 = xchg32_32(r0 + 0, w1)
  [re(`${R}\\s*=\\s*xchg(32_32|_64)\\(\\s*r(\\d+)\\s*([+-])\\s*(${NUM})\\s*,\\s*${R}\\s*\\)`), (m) => {
    const src = reg(`r${m[8]}`);
    if (reg(`r${m[2]}`) !== src) throw new LineError('xchg returns into its source register');
    width([m[1], m[7]], m[3] === '_64');
    return insn(Mode.ATOMIC | (m[3] === '_64' ? Size.DW : Size.W) | InsnClass.STX, reg(`r${m[4]}`), src, offset16(m[5], m[6]), AtomicOp.XCHG);
  }],
  // r0 = cmpxchg_64(r1 + 0, r0, r2)
  [re(`([rw])0\\s*=\\s*cmpxchg(32_32|_64)\\(\\s*r(\\d+)\\s*([+-])\\s*(${NUM})\\s*,\\s*([rw])0\\s*,\\s*${R}\\s*\\)`), (m) => {
    width([m[1], m[6], m[7]], m[2] === '_64');
    return insn(Mode.ATOMIC | (m[2] === '_64' ? Size.DW : Size.W) | InsnClass.STX, reg(`r${m[3]}`), reg(`r${m[8]}`), offset16(m[4], m[5]), AtomicOp.CMPXCHG);
  }],
  // r1 = 0x1122334455667788 ll
  [re(`r(\\d+)\\s*=\\s*(${NUM})\\s*ll`), (m) => asm.lddw(reg(`r${m[1]}`), imm64(m[2]!))],
  // ld_pseudo r1, 0x1, 0x5 [, 0x10]
  [re(`ld_pseudo\\s+r(\\d+)\\s*,\\s*(${NUM})\\s*,\\s*(${NUM}|[A-Za-z_.$][\\w.$]*)(?:\\s*,\\s*(${NUM}))?`), (m) => {
    const src = imm32(m[2]!);
    if (src < 0 || src > PseudoSource.MAP_IDX_VALUE) throw new LineError(`unknown pseudo source ${src}`, m[2]);
    if (!/^[-+]?\d/.test(m[3]!)) {
      // A label names a callback: only the func pseudo source takes one.
      if (src !== PseudoSource.FUNC || m[4] !== undefined) throw new LineError(`only pseudo source ${PseudoSource.FUNC} (func) takes a label`, m[3]);
      return asm.ldFunc(reg(`r${m[1]}`), m[3]!);
    }
    return asm.lddwPseudo(reg(`r${m[1]}`), src, imm32(m[3]!), m[4] === undefined ? 0 : imm32(m[4]));
  }],
  // r0 = *(u8 *)skb[4], r0 = *(u16 *)skb[r1], r0 = *(u32 *)skb[r1 + 0x3]
  [re(`r0\\s*=\\s*\\*\\(\\s*u(8|16|32)\\s*\\*\\s*\\)\\s*skb\\[\\s*(?:r(\\d+)(?:\\s*([+-])\\s*(${NUM}))?|(${NUM}))\\s*\\]`), (m) => {
    const size = SIZE_OF_BITS[m[1]!]!;
    if (m[5] !== undefined) return insn(Mode.ABS | size | InsnClass.LD, 0, 0, 0, imm32(m[5]));
    const k = m[4] === undefined ? 0 : imm32(m[3] === '-' ? `-${m[4]}` : m[4]);
    return insn(Mode.IND | size | InsnClass.LD, 0, reg(`r${m[2]}`), 0, k);
  }],
  // r0 = -r0
  [re(`${R}\\s*=\\s*-\\s*${R}`), (m) => {
    const wide = width([m[1], m[3]]);
    if (m[2] !== m[4]) throw new LineError('negation is in place: dst and src must be the same register');
    return insn(AluOp.NEG | (wide ? InsnClass.ALU64 : InsnClass.ALU), reg(`r${m[2]}`), 0, 0, 0);
  }],
  // r0 = be16 r0, r0 = bswap32 r0
  [re(`${R}\\s*=\\s*(be|le|bswap)(16|32|64)\\s+${R}`), (m) => {
    if (m[2] !== m[6]) throw new LineError('byte swaps are in place: dst and src must be the same register');
    const dst = reg(`r${m[2]}`);
    const bits = Number(m[4]) as 16 | 32 | 64;
    return m[3] === 'bswap' ? asm.bswap(dst, bits) : m[3] === 'be' ? asm.be(dst, bits) : asm.le(dst, bits);
  }],
  // r0 = (s8)r1
  [re(`${R}\\s*=\\s*\\(\\s*s(8|16|32)\\s*\\)\\s*${R}`), (m) => {
    const wide = width([m[1], m[4]]);
    if (!wide && m[3] === '32') throw new LineError('32-bit sign extension needs r registers');
    return insn(AluOp.MOV | Source.X | (wide ? InsnClass.ALU64 : InsnClass.ALU), reg(`r${m[2]}`), reg(`r${m[5]}`), Number(m[3]), 0);
  }],
  // r0 += r1, w0 s/= 3, r0 = 5
  [re(`${R}\\s*(s\\/=|s%=|s>>=|\\+=|-=|\\*=|\\/=|%=|\\|=|&=|<<=|>>=|\\^=|=)\\s*(?:${R}|(${NUM}))`), (m) => {
    const [op, off] = ALU_SYMBOLS[m[3]!]!;
    const wide = width([m[1], m[4]]);
    const cls = wide ? InsnClass.ALU64 : InsnClass.ALU;
    if (m[4] !== undefined) return insn(op | Source.X | cls, reg(`r${m[2]}`), reg(`r${m[5]}`), off, 0);
    return insn(op | Source.K | cls, reg(`r${m[2]}`), 0, off, imm32(m[6]!));
  }],
  [re('goto\\s+(\\S+)'), (m) => withTarget(asm.ja(0).insn, target(m[1]!), 'offset')],
  [re('gotol\\s+(\\S+)'), (m) => withTarget(asm.gotol(0).insn, target(m[1]!), 'imm')],
  // if r1 > 0x5 goto +0x3
  [re(`if\\s+${R}\\s*(==|!=|s>=|s<=|s>|s<|>=|<=|>|<|&)\\s*(?:${R}|(${NUM}))\\s+goto\\s+(\\S+)`), (m) => {
    const wide = width([m[1], m[4]]);
    const cls = wide ? InsnClass.JMP : InsnClass.JMP32;
    const op = JUMP_SYMBOLS[m[3]!]!;
    const base = m[4] !== undefined ? insn(op | Source.X | cls, reg(`r${m[2]}`), reg(`r${m[5]}`), 0, 0) : insn(op | Source.K | cls, reg(`r${m[2]}`), 0, 0, imm32(m[6]!));
    return withTarget(base.insn, target(m[7]!), 'offset');
  }],
  [re('exit'), () => asm.exit()],
];

function parseLlvm(text: string): AsmInstruction {
  const t = text.replace(/\s+<[^<>]*>$/, '').trim();
  for (const [pattern, build] of LLVM_RULES) {
    const m = pattern.exec(t);
    if (m) return build(m);
  }
  throw new LineError(`cannot parse instruction '${t}'`);
}

// ---------------------------------------------------------------- conformance syntax

const ALU_NAMES: Record<string, [AluOp, number]> = {
  add: [AluOp.ADD, 0], sub: [AluOp.SUB, 0], mul: [AluOp.MUL, 0], div: [AluOp.DIV, 0], sdiv: [AluOp.DIV, 1], or: [AluOp.OR, 0],
  and: [AluOp.AND, 0], lsh: [AluOp.LSH, 0], rsh: [AluOp.RSH, 0], mod: [AluOp.MOD, 0], smod: [AluOp.MOD, 1], xor: [AluOp.XOR, 0],
  mov: [AluOp.MOV, 0], arsh: [AluOp.ARSH, 0],
};
const JUMP_NAMES: Record<string, JumpOp> = {
  jeq: JumpOp.JEQ, jgt: JumpOp.JGT, jge: JumpOp.JGE, jset: JumpOp.JSET, jne: JumpOp.JNE, jsgt: JumpOp.JSGT, jsge: JumpOp.JSGE,
  jlt: JumpOp.JLT, jle: JumpOp.JLE, jslt: JumpOp.JSLT, jsle: JumpOp.JSLE,
};
const PSEUDO_BY_NAME = new Map(Object.entries(PSEUDO_SOURCE_NAMES).map(([k, v]) => [v, Number(k) as PseudoSource]));

/** `[%r1+4]`, `[%r10-8]`, `[%r1]` */
function memOperand(text: string): { reg: Register; offset: number } {
  const m = /^\[\s*(%?r\d+)\s*(?:([+-])\s*([^\]\s]+))?\s*\]$/.exec(text.trim());
  if (!m) throw new LineError(`expected a memory operand like [%r1+4], got '${text.trim()}'`, text.trim());
  return { reg: reg(m[1]!), offset: offset16(m[2], m[3]) };
}

function operands(rest: string): string[] {
  return rest.trim() === '' ? [] : rest.split(',').map((s) => s.trim());
}

/** Returns the operands after checking there are `n` of them. */
function expectCount(mnemonic: string, ops: string[], n: number): string[] {
  if (ops.length !== n) throw new LineError(`${mnemonic} takes ${n} operand${n === 1 ? '' : 's'}, got ${ops.length}`);
  return ops;
}

function parseConformance(text: string): AsmInstruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text)!;
  const mnemonic = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (mnemonic === 'lock') return parseLock(rest);
  if (mnemonic === 'call' || mnemonic === 'callx') return parseCall(mnemonic, rest);
  const ops = operands(rest);
  let p: RegExpExecArray | null;

  if (mnemonic === 'exit') {
    expectCount(mnemonic, ops, 0);
    return asm.exit();
  }
  if ((p = /^(neg)(32|64)?$/.exec(mnemonic))) {
    expectCount(mnemonic, ops, 1);
    return insn(AluOp.NEG | (p[2] === '32' ? InsnClass.ALU : InsnClass.ALU64), reg(ops[0]!), 0, 0, 0);
  }
  if ((p = /^(le|be|bswap|swap)(16|32|64)$/.exec(mnemonic))) {
    expectCount(mnemonic, ops, 1);
    const dst = reg(ops[0]!);
    const bits = Number(p[2]);
    if (p[1] === 'le' || p[1] === 'be') return insn(AluOp.END | (p[1] === 'be' ? Endianness.BE : Endianness.LE) | InsnClass.ALU, dst, 0, 0, bits);
    return insn(AluOp.END | InsnClass.ALU64, dst, 0, 0, bits);
  }
  if ((p = /^movsx(8|16|32)(32|64)$/.exec(mnemonic))) {
    expectCount(mnemonic, ops, 2);
    if (p[1] === '32' && p[2] === '32') throw new LineError('movsx3232 does not exist', mnemonic);
    return insn(AluOp.MOV | Source.X | (p[2] === '64' ? InsnClass.ALU64 : InsnClass.ALU), reg(ops[0]!), reg(ops[1]!), Number(p[1]), 0);
  }
  if ((p = /^([a-z]+?)(32|64)?$/.exec(mnemonic)) && ALU_NAMES[p[1]!]) {
    expectCount(mnemonic, ops, 2);
    const [op, off] = ALU_NAMES[p[1]!]!;
    const cls = p[2] === '32' ? InsnClass.ALU : InsnClass.ALU64;
    const dst = reg(ops[0]!);
    if (ops[1]!.startsWith('%')) return insn(op | Source.X | cls, dst, reg(ops[1]!), off, 0);
    return insn(op | Source.K | cls, dst, 0, off, imm32(ops[1]!));
  }
  if ((p = /^ldx(s)?(b|h|w|dw)$/.exec(mnemonic))) {
    expectCount(mnemonic, ops, 2);
    if (p[1] && p[2] === 'dw') throw new LineError('ldxsdw does not exist', mnemonic);
    const mem = memOperand(ops[1]!);
    return insn((p[1] ? Mode.MEMSX : Mode.MEM) | SIZE_OF_SUFFIX[p[2]!]! | InsnClass.LDX, reg(ops[0]!), mem.reg, mem.offset, 0);
  }
  if ((p = /^st(x)?(b|h|w|dw)$/.exec(mnemonic))) {
    expectCount(mnemonic, ops, 2);
    const mem = memOperand(ops[0]!);
    const size = SIZE_OF_SUFFIX[p[2]!]!;
    if (p[1]) return insn(Mode.MEM | size | InsnClass.STX, mem.reg, reg(ops[1]!), mem.offset, 0);
    return insn(Mode.MEM | size | InsnClass.ST, mem.reg, 0, mem.offset, imm32(ops[1]!));
  }
  if (mnemonic === 'lddw') return parseLddw(ops);
  if ((p = /^ld(abs|ind)(b|h|w)$/.exec(mnemonic))) {
    const size = SIZE_OF_SUFFIX[p[2]!]!;
    if (p[1] === 'abs') return insn(Mode.ABS | size | InsnClass.LD, 0, 0, 0, imm32(expectCount(mnemonic, ops, 1)[0]!));
    expectCount(mnemonic, ops, 2);
    return insn(Mode.IND | size | InsnClass.LD, 0, reg(ops[0]!), 0, imm32(ops[1]!));
  }
  if (mnemonic === 'ja') return withTarget(asm.ja(0).insn, target(expectCount(mnemonic, ops, 1)[0]!), 'offset');
  if (mnemonic === 'ja32' || mnemonic === 'gotol') return withTarget(asm.gotol(0).insn, target(expectCount(mnemonic, ops, 1)[0]!), 'imm');
  if ((p = /^([a-z]+?)(32|64)?$/.exec(mnemonic)) && JUMP_NAMES[p[1]!] !== undefined) {
    expectCount(mnemonic, ops, 3);
    const op = JUMP_NAMES[p[1]!]!;
    const cls = p[2] === '32' ? InsnClass.JMP32 : InsnClass.JMP;
    const dst = reg(ops[0]!);
    const base = ops[1]!.startsWith('%') ? insn(op | Source.X | cls, dst, reg(ops[1]!), 0, 0) : insn(op | Source.K | cls, dst, 0, 0, imm32(ops[1]!));
    return withTarget(base.insn, target(ops[2]!), 'offset');
  }
  throw new LineError(`unknown mnemonic '${m[1]}'`, m[1]);
}

/** `lddw %r0, 0x1122334455667788` or `lddw %r1, map_value 3, 16` */
function parseLddw(ops: string[]): AsmInstruction {
  if (ops.length < 2) throw new LineError(`lddw takes 2 operands, got ${ops.length}`);
  const dst = reg(ops[0]!);
  const kw = /^([a-z_0-9]+)\s+(\S+)$/.exec(ops[1]!);
  if (kw) {
    const src = PSEUDO_BY_NAME.get(kw[1]!);
    if (src === undefined) throw new LineError(`unknown lddw pseudo source '${kw[1]}'`, kw[1]);
    if (ops.length > 3) throw new LineError(`lddw ${kw[1]} takes at most 3 operands`);
    if (src === PseudoSource.FUNC && !/^[-+]?\d|^[-+]?0x/.test(kw[2]!)) return asm.ldFunc(dst, kw[2]!);
    return asm.lddwPseudo(dst, src, imm32(kw[2]!), ops[2] === undefined ? 0 : imm32(ops[2]));
  }
  expectCount('lddw', ops, 2);
  return asm.lddw(dst, imm64(ops[1]!));
}

/** `lock [fetch] add[32] [%r10-8], %r1`, `lock xchg`, `lock cmpxchg` */
function parseLock(rest: string): AsmInstruction {
  const m = /^(fetch\s+)?([a-z]+?)(32|64)?(?:\s+(.*))?$/.exec(rest.trim());
  if (!m) throw new LineError('invalid number of operands for lock: expected lock [fetch] OP [%rD+off], %rS');
  const fetch = m[1] !== undefined;
  const name = m[2]!;
  const ops = operands(m[4] ?? '');
  if (ops.length !== 2) throw new LineError(`invalid number of operands for lock ${name}: expected 2, got ${ops.length}`);
  let imm: number;
  if (name === 'xchg' || name === 'cmpxchg') {
    if (fetch) throw new LineError(`lock ${name} always fetches; drop 'fetch'`, 'fetch');
    imm = name === 'xchg' ? AtomicOp.XCHG : AtomicOp.CMPXCHG;
  } else {
    const op = ATOMIC_NAMES[name];
    if (op === undefined) throw new LineError(`unknown atomic operation '${name}'`, name);
    imm = op | (fetch ? AtomicOp.FETCH : 0);
  }
  const mem = memOperand(ops[0]!);
  return insn(Mode.ATOMIC | (m[3] === '32' ? Size.W : Size.DW) | InsnClass.STX, mem.reg, reg(ops[1]!), mem.offset, imm);
}

/**
 * Both syntaxes: `call 5` (helper), `call fn` (local call to a label, as LLVM reads it),
 * `call pc+3` (local), `call kfunc 7`; conformance `call helper 5`, `call local fn`, `call local +3`,
 * `call runtime 7` (kfunc), `call %r2` / `callx %r2` (indirect).
 */
function parseCall(mnemonic: string, rest: string): AsmInstruction {
  const t = rest.trim().replace(/\s+<[^<>]*>$/, '');
  // Kernel log: `call bpf_map_lookup_elem#1` (helper), `call pc+33#bpf_prog_..._fn` (local).
  const kernel = /^(pc\s*[+-]\s*\S+?|[A-Za-z_][\w.]*)#(\S+)$/.exec(t);
  if (kernel) return kernel[1]!.startsWith('pc') ? parseCall(mnemonic, kernel[1]!) : asm.call(imm32(kernel[2]!));
  const pc = /^pc\s*([+-])\s*(\S+)$/.exec(t);
  if (pc) return asm.callLocal(imm32(`${pc[1] === '-' ? '-' : ''}${pc[2]}`));
  const parts = t.split(/\s+/).filter(Boolean);
  if (mnemonic === 'callx') {
    if (parts.length !== 1) throw new LineError('callx takes 1 operand');
    return asm.callx(reg(parts[0]!));
  }
  if (parts.length === 1) {
    const p = parts[0]!;
    if (/^%?r\d+$/.test(p)) return asm.callx(reg(p));
    if (/^[A-Za-z_.$][\w.$]*$/.test(p)) return asm.callLocal(p);
    return asm.call(imm32(p));
  }
  if (parts.length !== 2) throw new LineError(`call takes 1 or 2 operands, got ${parts.length}`);
  const [mode, operand] = parts as [string, string];
  if (mode === 'helper') return asm.call(imm32(operand));
  if (mode === 'runtime' || mode === 'kfunc') return insn(0x85, 0, CallSource.KFUNC, 0, imm32(operand));
  if (mode === 'local') return asm.callLocal(target(operand));
  throw new LineError(`invalid call mode '${mode}' (helper, local or runtime)`, mode);
}
