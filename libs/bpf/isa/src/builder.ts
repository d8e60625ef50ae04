import { AluOp, Endianness } from './alu.js';
import type { Instruction } from './instruction.js';
import { CallSource, JumpOp } from './jump.js';
import { AtomicOp, PseudoSource } from './load-store.js';
import { InsnClass, Mode, Size, Source } from './opcode.js';
import type { Register } from './register.js';

/**
 * A program under construction: instructions that may point at symbolic labels, and the labels
 * themselves. `link` turns the list into slots with resolved offsets.
 */
export type AsmItem = AsmInstruction | AsmLabel;

export interface AsmInstruction {
  readonly kind: 'insn';
  /** For `lddw`, a single item with `imm64` set; `link` emits both slots. */
  readonly insn: Instruction;
  /** Label the jump, local call or `lddw` func reference targets (resolved by `link`). */
  readonly target?: string;
  /** Source line, for error messages of the assembler. */
  readonly line?: number;
}

export interface AsmLabel {
  readonly kind: 'label';
  readonly name: string;
  readonly line?: number;
}

/** A jump target: a label name, or a slot offset relative to the next instruction. */
export type Target = string | number;

/** A label or target problem found by `link`. */
export class LinkError extends Error {
  readonly code = 'EBPF_LINK';
  constructor(
    message: string,
    readonly label: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'LinkError';
  }
}

/** Declares a label at the next instruction. */
export function label(name: string): AsmLabel {
  return { kind: 'label', name };
}

function item(insn: Instruction, target?: string): AsmInstruction {
  return target === undefined ? { kind: 'insn', insn } : { kind: 'insn', insn, target };
}

function raw(opcode: number, dst: number, src: number, offset: number, imm: number): Instruction {
  return { opcode, dst, src, offset, imm };
}

type Width = 32 | 64;
const aluClass = (w: Width): number => (w === 64 ? InsnClass.ALU64 : InsnClass.ALU);

function aluImm(w: Width, op: AluOp, offset = 0) {
  return (dst: Register, imm: number): AsmInstruction => item(raw(op | Source.K | aluClass(w), dst, 0, offset, imm));
}
function aluReg(w: Width, op: AluOp, offset = 0) {
  return (dst: Register, src: Register): AsmInstruction => item(raw(op | Source.X | aluClass(w), dst, src, offset, 0));
}

function jumpWith(cls: number, op: JumpOp, source: Source, dst: number, src: number, imm: number, target: Target): AsmInstruction {
  const opcode = op | source | cls;
  return typeof target === 'number' ? item(raw(opcode, dst, src, target, imm)) : item(raw(opcode, dst, src, 0, imm), target);
}
function jumpImm(w: Width, op: JumpOp) {
  const cls = w === 64 ? InsnClass.JMP : InsnClass.JMP32;
  return (dst: Register, imm: number, target: Target): AsmInstruction => jumpWith(cls, op, Source.K, dst, 0, imm, target);
}
function jumpReg(w: Width, op: JumpOp) {
  const cls = w === 64 ? InsnClass.JMP : InsnClass.JMP32;
  return (dst: Register, src: Register, target: Target): AsmInstruction => jumpWith(cls, op, Source.X, dst, src, 0, target);
}

const SIZES = { 8: Size.B, 16: Size.H, 32: Size.W, 64: Size.DW } as const;
/** Access width in bits. */
export type AccessBits = keyof typeof SIZES;

function atomic(w: Width, imm: number) {
  const opcode = Mode.ATOMIC | (w === 64 ? Size.DW : Size.W) | InsnClass.STX;
  return (dst: Register, offset: number, src: Register): AsmInstruction => item(raw(opcode, dst, src, offset, imm));
}

function lddwItem(dst: Register, src: PseudoSource, value: bigint, target?: string): AsmInstruction {
  const imm64 = BigInt.asUintN(64, value);
  const imm = Number(BigInt.asIntN(32, imm64));
  return item({ opcode: 0x18, dst, src, offset: 0, imm, imm64 }, target);
}

/**
 * Instruction builders. Names follow `<op><width><Imm|Reg>`; jumps take a label or a slot offset:
 *
 *   link([asm.mov64Imm(R0, 0), asm.jeqImm(R1, 5, 'out'), asm.mov64Imm(R0, 1), label('out'), asm.exit()])
 */
export const asm = {
  add64Imm: aluImm(64, AluOp.ADD), add64Reg: aluReg(64, AluOp.ADD), add32Imm: aluImm(32, AluOp.ADD), add32Reg: aluReg(32, AluOp.ADD),
  sub64Imm: aluImm(64, AluOp.SUB), sub64Reg: aluReg(64, AluOp.SUB), sub32Imm: aluImm(32, AluOp.SUB), sub32Reg: aluReg(32, AluOp.SUB),
  mul64Imm: aluImm(64, AluOp.MUL), mul64Reg: aluReg(64, AluOp.MUL), mul32Imm: aluImm(32, AluOp.MUL), mul32Reg: aluReg(32, AluOp.MUL),
  div64Imm: aluImm(64, AluOp.DIV), div64Reg: aluReg(64, AluOp.DIV), div32Imm: aluImm(32, AluOp.DIV), div32Reg: aluReg(32, AluOp.DIV),
  sdiv64Imm: aluImm(64, AluOp.DIV, 1), sdiv64Reg: aluReg(64, AluOp.DIV, 1), sdiv32Imm: aluImm(32, AluOp.DIV, 1), sdiv32Reg: aluReg(32, AluOp.DIV, 1),
  or64Imm: aluImm(64, AluOp.OR), or64Reg: aluReg(64, AluOp.OR), or32Imm: aluImm(32, AluOp.OR), or32Reg: aluReg(32, AluOp.OR),
  and64Imm: aluImm(64, AluOp.AND), and64Reg: aluReg(64, AluOp.AND), and32Imm: aluImm(32, AluOp.AND), and32Reg: aluReg(32, AluOp.AND),
  lsh64Imm: aluImm(64, AluOp.LSH), lsh64Reg: aluReg(64, AluOp.LSH), lsh32Imm: aluImm(32, AluOp.LSH), lsh32Reg: aluReg(32, AluOp.LSH),
  rsh64Imm: aluImm(64, AluOp.RSH), rsh64Reg: aluReg(64, AluOp.RSH), rsh32Imm: aluImm(32, AluOp.RSH), rsh32Reg: aluReg(32, AluOp.RSH),
  mod64Imm: aluImm(64, AluOp.MOD), mod64Reg: aluReg(64, AluOp.MOD), mod32Imm: aluImm(32, AluOp.MOD), mod32Reg: aluReg(32, AluOp.MOD),
  smod64Imm: aluImm(64, AluOp.MOD, 1), smod64Reg: aluReg(64, AluOp.MOD, 1), smod32Imm: aluImm(32, AluOp.MOD, 1), smod32Reg: aluReg(32, AluOp.MOD, 1),
  xor64Imm: aluImm(64, AluOp.XOR), xor64Reg: aluReg(64, AluOp.XOR), xor32Imm: aluImm(32, AluOp.XOR), xor32Reg: aluReg(32, AluOp.XOR),
  mov64Imm: aluImm(64, AluOp.MOV), mov64Reg: aluReg(64, AluOp.MOV), mov32Imm: aluImm(32, AluOp.MOV), mov32Reg: aluReg(32, AluOp.MOV),
  arsh64Imm: aluImm(64, AluOp.ARSH), arsh64Reg: aluReg(64, AluOp.ARSH), arsh32Imm: aluImm(32, AluOp.ARSH), arsh32Reg: aluReg(32, AluOp.ARSH),
  neg64: (dst: Register): AsmInstruction => item(raw(AluOp.NEG | InsnClass.ALU64, dst, 0, 0, 0)),
  neg32: (dst: Register): AsmInstruction => item(raw(AluOp.NEG | InsnClass.ALU, dst, 0, 0, 0)),
  /** Sign-extending move (cpu v4) of the low `bits` of src. */
  movsx64: (dst: Register, src: Register, bits: 8 | 16 | 32): AsmInstruction => item(raw(0xbf, dst, src, bits, 0)),
  movsx32: (dst: Register, src: Register, bits: 8 | 16): AsmInstruction => item(raw(0xbc, dst, src, bits, 0)),
  le: (dst: Register, bits: 16 | 32 | 64): AsmInstruction => item(raw(AluOp.END | Endianness.LE | InsnClass.ALU, dst, 0, 0, bits)),
  be: (dst: Register, bits: 16 | 32 | 64): AsmInstruction => item(raw(AluOp.END | Endianness.BE | InsnClass.ALU, dst, 0, 0, bits)),
  /** Unconditional byte swap (cpu v4). */
  bswap: (dst: Register, bits: 16 | 32 | 64): AsmInstruction => item(raw(AluOp.END | InsnClass.ALU64, dst, 0, 0, bits)),

  /** dst = *(uN *)(src + offset) */
  ldx: (bits: AccessBits, dst: Register, src: Register, offset: number): AsmInstruction =>
    item(raw(Mode.MEM | SIZES[bits] | InsnClass.LDX, dst, src, offset, 0)),
  /** dst = *(sN *)(src + offset), sign-extending (cpu v4). */
  ldsx: (bits: 8 | 16 | 32, dst: Register, src: Register, offset: number): AsmInstruction =>
    item(raw(Mode.MEMSX | SIZES[bits] | InsnClass.LDX, dst, src, offset, 0)),
  /** *(uN *)(dst + offset) = imm */
  st: (bits: AccessBits, dst: Register, offset: number, imm: number): AsmInstruction =>
    item(raw(Mode.MEM | SIZES[bits] | InsnClass.ST, dst, 0, offset, imm)),
  /** *(uN *)(dst + offset) = src */
  stx: (bits: AccessBits, dst: Register, offset: number, src: Register): AsmInstruction =>
    item(raw(Mode.MEM | SIZES[bits] | InsnClass.STX, dst, src, offset, 0)),
  atomicAdd64: atomic(64, AtomicOp.ADD), atomicAdd32: atomic(32, AtomicOp.ADD),
  atomicOr64: atomic(64, AtomicOp.OR), atomicOr32: atomic(32, AtomicOp.OR),
  atomicAnd64: atomic(64, AtomicOp.AND), atomicAnd32: atomic(32, AtomicOp.AND),
  atomicXor64: atomic(64, AtomicOp.XOR), atomicXor32: atomic(32, AtomicOp.XOR),
  atomicFetchAdd64: atomic(64, AtomicOp.ADD | AtomicOp.FETCH), atomicFetchAdd32: atomic(32, AtomicOp.ADD | AtomicOp.FETCH),
  atomicFetchOr64: atomic(64, AtomicOp.OR | AtomicOp.FETCH), atomicFetchOr32: atomic(32, AtomicOp.OR | AtomicOp.FETCH),
  atomicFetchAnd64: atomic(64, AtomicOp.AND | AtomicOp.FETCH), atomicFetchAnd32: atomic(32, AtomicOp.AND | AtomicOp.FETCH),
  atomicFetchXor64: atomic(64, AtomicOp.XOR | AtomicOp.FETCH), atomicFetchXor32: atomic(32, AtomicOp.XOR | AtomicOp.FETCH),
  xchg64: atomic(64, AtomicOp.XCHG), xchg32: atomic(32, AtomicOp.XCHG),
  cmpxchg64: atomic(64, AtomicOp.CMPXCHG), cmpxchg32: atomic(32, AtomicOp.CMPXCHG),

  /** dst = imm64 (16-byte lddw). */
  lddw: (dst: Register, value: bigint | number): AsmInstruction => lddwItem(dst, PseudoSource.IMM64, BigInt(value)),
  /** lddw with a pseudo source: `imm` in the first slot, `next` (e.g. a map value offset) in the second. */
  lddwPseudo: (dst: Register, src: PseudoSource, imm: number, next = 0): AsmInstruction =>
    lddwItem(dst, src, (BigInt(next >>> 0) << 32n) | BigInt(imm >>> 0)),
  ldMapFd: (dst: Register, fd: number): AsmInstruction => lddwItem(dst, PseudoSource.MAP_FD, BigInt(fd >>> 0)),
  ldMapValue: (dst: Register, fd: number, offset: number): AsmInstruction =>
    lddwItem(dst, PseudoSource.MAP_VALUE, (BigInt(offset >>> 0) << 32n) | BigInt(fd >>> 0)),
  /** dst = address of the subprogram at `target`. */
  ldFunc: (dst: Register, target: Target): AsmInstruction =>
    typeof target === 'number' ? lddwItem(dst, PseudoSource.FUNC, BigInt(target >>> 0)) : lddwItem(dst, PseudoSource.FUNC, 0n, target),
  /** Legacy packet load: r0 = *(uN *)skb[imm]. */
  ldAbs: (bits: 8 | 16 | 32, imm: number): AsmInstruction => item(raw(Mode.ABS | SIZES[bits] | InsnClass.LD, 0, 0, 0, imm)),
  /** Legacy packet load: r0 = *(uN *)skb[src + imm]. */
  ldInd: (bits: 8 | 16 | 32, src: Register, imm: number): AsmInstruction => item(raw(Mode.IND | SIZES[bits] | InsnClass.LD, 0, src, 0, imm)),

  ja: (target: Target): AsmInstruction => jumpWith(InsnClass.JMP, JumpOp.JA, Source.K, 0, 0, 0, target),
  /** Long jump (cpu v4): 32-bit target in imm. */
  gotol: (target: Target): AsmInstruction =>
    typeof target === 'number' ? item(raw(0x06, 0, 0, 0, target)) : item(raw(0x06, 0, 0, 0, 0), target),
  jeqImm: jumpImm(64, JumpOp.JEQ), jeqReg: jumpReg(64, JumpOp.JEQ), jeq32Imm: jumpImm(32, JumpOp.JEQ), jeq32Reg: jumpReg(32, JumpOp.JEQ),
  jgtImm: jumpImm(64, JumpOp.JGT), jgtReg: jumpReg(64, JumpOp.JGT), jgt32Imm: jumpImm(32, JumpOp.JGT), jgt32Reg: jumpReg(32, JumpOp.JGT),
  jgeImm: jumpImm(64, JumpOp.JGE), jgeReg: jumpReg(64, JumpOp.JGE), jge32Imm: jumpImm(32, JumpOp.JGE), jge32Reg: jumpReg(32, JumpOp.JGE),
  jsetImm: jumpImm(64, JumpOp.JSET), jsetReg: jumpReg(64, JumpOp.JSET), jset32Imm: jumpImm(32, JumpOp.JSET), jset32Reg: jumpReg(32, JumpOp.JSET),
  jneImm: jumpImm(64, JumpOp.JNE), jneReg: jumpReg(64, JumpOp.JNE), jne32Imm: jumpImm(32, JumpOp.JNE), jne32Reg: jumpReg(32, JumpOp.JNE),
  jsgtImm: jumpImm(64, JumpOp.JSGT), jsgtReg: jumpReg(64, JumpOp.JSGT), jsgt32Imm: jumpImm(32, JumpOp.JSGT), jsgt32Reg: jumpReg(32, JumpOp.JSGT),
  jsgeImm: jumpImm(64, JumpOp.JSGE), jsgeReg: jumpReg(64, JumpOp.JSGE), jsge32Imm: jumpImm(32, JumpOp.JSGE), jsge32Reg: jumpReg(32, JumpOp.JSGE),
  jltImm: jumpImm(64, JumpOp.JLT), jltReg: jumpReg(64, JumpOp.JLT), jlt32Imm: jumpImm(32, JumpOp.JLT), jlt32Reg: jumpReg(32, JumpOp.JLT),
  jleImm: jumpImm(64, JumpOp.JLE), jleReg: jumpReg(64, JumpOp.JLE), jle32Imm: jumpImm(32, JumpOp.JLE), jle32Reg: jumpReg(32, JumpOp.JLE),
  jsltImm: jumpImm(64, JumpOp.JSLT), jsltReg: jumpReg(64, JumpOp.JSLT), jslt32Imm: jumpImm(32, JumpOp.JSLT), jslt32Reg: jumpReg(32, JumpOp.JSLT),
  jsleImm: jumpImm(64, JumpOp.JSLE), jsleReg: jumpReg(64, JumpOp.JSLE), jsle32Imm: jumpImm(32, JumpOp.JSLE), jsle32Reg: jumpReg(32, JumpOp.JSLE),

  /** Helper call by id. */
  call: (helper: number): AsmInstruction => item(raw(0x85, 0, CallSource.HELPER, 0, helper)),
  /** bpf-to-bpf call to a label or a relative slot offset. */
  callLocal: (target: Target): AsmInstruction =>
    typeof target === 'number' ? item(raw(0x85, 0, CallSource.LOCAL, 0, target)) : item(raw(0x85, 0, CallSource.LOCAL, 0, -1), target),
  /** Kernel function call by BTF id. */
  callKfunc: (btfId: number): AsmInstruction => item(raw(0x85, 0, CallSource.KFUNC, 0, btfId)),
  /** Indirect call through a register (LLVM encodes the register in dst). */
  callx: (reg: Register): AsmInstruction => item(raw(0x8d, reg, 0, 0, 0)),
  exit: (): AsmInstruction => item(raw(0x95, 0, 0, 0, 0)),
} as const;

/** Re-exported for `import { exit, label } from '@bpfleet/isa'` in tests. */
export const exit = asm.exit;

/**
 * Resolves labels and lays the program out in slots (`lddw` takes two). A jump gets its offset, a
 * `gotol`, local call or `lddw` func reference its imm, all relative to the next slot.
 */
export function link(items: readonly AsmItem[]): Instruction[] {
  const labels = new Map<string, number>();
  let slot = 0;
  for (const it of items) {
    if (it.kind === 'label') {
      if (labels.has(it.name)) throw new LinkError(`duplicate label '${it.name}'`, it.name, it.line);
      labels.set(it.name, slot);
    } else {
      slot += it.insn.opcode === 0x18 ? 2 : 1;
    }
  }
  const out: Instruction[] = [];
  for (const it of items) {
    if (it.kind === 'label') continue;
    let insn = it.insn;
    if (it.target !== undefined) {
      const at = labels.get(it.target);
      if (at === undefined) throw new LinkError(`unknown label '${it.target}'`, it.target, it.line);
      const rel = at - (out.length + 1);
      if (usesImmTarget(insn)) {
        insn = insn.opcode === 0x18 ? { ...insn, imm: rel, imm64: BigInt(rel >>> 0) } : { ...insn, imm: rel };
      } else {
        if (rel < -32768 || rel > 32767) throw new LinkError(`label '${it.target}' is ${rel} slots away, beyond a 16-bit offset (use gotol)`, it.target, it.line);
        insn = { ...insn, offset: rel };
      }
    }
    if (insn.opcode === 0x18) {
      const imm64 = insn.imm64 ?? BigInt(insn.imm >>> 0);
      out.push({ ...insn, imm: Number(BigInt.asIntN(32, imm64)), imm64 });
      out.push({ opcode: 0, dst: 0, src: 0, offset: 0, imm: Number(BigInt.asIntN(32, imm64 >> 32n)) });
    } else {
      out.push(insn);
    }
  }
  return out;
}

function usesImmTarget(insn: Instruction): boolean {
  return insn.opcode === 0x06 || insn.opcode === 0x85 || insn.opcode === 0x18;
}
