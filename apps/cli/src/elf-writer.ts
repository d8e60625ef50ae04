import { branchTarget, encodeInstructions, type Instruction } from '@bpfleet/isa';

/**
 * Writes a minimal ELF64 little-endian BPF relocatable object in clang's layout, which libbpf and
 * `@bpfleet/elf` load:
 *
 *   [0] null  [1] <program section>  ([2] .text  [3] .rel<program section>)  license  .symtab  .strtab  .shstrtab
 *
 * The main program is a global function in its section. bpf-to-bpf calls need their targets in
 * `.text` (libbpf's rule): each call target starts a static function there, and calls from the main
 * program get an R_BPF_64_32 relocation, as clang emits them. Maps and callback references
 * (`lddw` func) would need more relocations and are refused.
 */
export interface ElfProgram {
  /** Section name; libbpf's conventions give the program type (`socket`, `xdp`, `tracepoint/a/b`). */
  readonly section: string;
  /** Function symbol name of the main program. */
  readonly name: string;
  /** The program, one instruction per slot. */
  readonly insns: readonly Instruction[];
  readonly license: string;
  /** Names for subprograms by starting slot (default `sub_<slot>`). */
  readonly functionNames?: ReadonlyMap<number, string>;
}

/** The program cannot be laid out as an object (see `writeBpfElf`). */
export class ElfWriteError extends Error {
  readonly code = 'EELF_WRITE';
  constructor(message: string) {
    super(message);
    this.name = 'ElfWriteError';
  }
}

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;
const EM_BPF = 247;
const ET_REL = 1;
const SHT_PROGBITS = 1;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_REL = 9;
const SHF_WRITE = 0x1;
const SHF_ALLOC = 0x2;
const SHF_EXECINSTR = 0x4;
const SHF_INFO_LINK = 0x40;
const STB_LOCAL = 0;
const STB_GLOBAL = 1;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const R_BPF_64_32 = 10;

/** A string table under construction: offsets of added names. */
class StringTable {
  private readonly parts: string[] = ['\0'];
  private size = 1;
  add(name: string): number {
    const at = this.size;
    this.parts.push(`${name}\0`);
    this.size += Buffer.byteLength(name) + 1;
    return at;
  }
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.from(this.parts.join(''), 'utf8'));
  }
}

interface Sym {
  readonly name: string;
  readonly bind: number;
  readonly type: number;
  readonly shndx: number;
  readonly value: number;
  readonly size: number;
}

interface Section {
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly data: Uint8Array;
  readonly align: number;
  link?: number;
  info?: number;
  entsize?: number;
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** Slots where functions start: targets of local calls. Refuses what the layout cannot express. */
function functionStarts(insns: readonly Instruction[]): number[] {
  const starts = new Set<number>();
  insns.forEach((insn, i) => {
    if (insn.opcode === 0x18 && insn.src === 4) throw new ElfWriteError(`insn ${i}: callback references (lddw func) are not supported in objects; write --raw`);
    if (insn.opcode === 0x85 && insn.src === 1) starts.add(i + 1 + insn.imm);
  });
  if (starts.has(0)) throw new ElfWriteError('a local call targets the start of the main program; objects need subprograms after it');
  return [...starts].sort((a, b) => a - b);
}

export function writeBpfElf(program: ElfProgram): Uint8Array {
  const { insns } = program;
  const starts = functionStarts(insns);
  const bounds = [0, ...starts, insns.length];
  const funcOf = (slot: number): number => bounds.findIndex((b, k) => slot >= b && slot < bounds[k + 1]!);
  // Branches stay inside their function: a split cannot relocate a plain jump.
  insns.forEach((insn, i) => {
    if (insn.opcode === 0x85) return;
    const t = branchTarget(insns, i);
    if (t !== undefined && funcOf(t) !== funcOf(i)) throw new ElfWriteError(`insn ${i}: jumps from one function into another (slot ${t})`);
  });

  const mainEnd = starts[0] ?? insns.length;
  const main = insns.slice(0, mainEnd).map((insn) => (insn.opcode === 0x85 && insn.src === 1 ? { ...insn, imm: -1 } : insn));
  const text = insns.slice(mainEnd);
  const subNames = starts.map((s) => program.functionNames?.get(s) ?? `sub_${s}`);

  // Symbols: locals (the static subprograms) first, then the globals.
  const sections: Section[] = [];
  const progIndex = 1;
  sections.push({ name: program.section, type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: encodeInstructions(main), align: 8 });
  const textIndex = text.length ? sections.push({ name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: encodeInstructions(text), align: 8 }) : 0;
  const syms: Sym[] = starts.map((s, k) => ({ name: subNames[k]!, bind: STB_LOCAL, type: STT_FUNC, shndx: textIndex, value: (s - mainEnd) * 8, size: (bounds[k + 2]! - s) * 8 }));
  const firstGlobal = syms.length + 1;
  syms.push({ name: program.name, bind: STB_GLOBAL, type: STT_FUNC, shndx: progIndex, value: 0, size: mainEnd * 8 });

  const relocs: [offset: number, sym: number][] = [];
  insns.slice(0, mainEnd).forEach((insn, i) => {
    if (insn.opcode === 0x85 && insn.src === 1) relocs.push([i * 8, 1 + starts.indexOf(i + 1 + insn.imm)]);
  });
  let relIndex = 0;
  if (relocs.length) {
    const rel = new Uint8Array(relocs.length * REL_SIZE);
    const rv = new DataView(rel.buffer);
    relocs.forEach(([offset, sym], k) => {
      rv.setBigUint64(k * REL_SIZE, BigInt(offset), true);
      rv.setBigUint64(k * REL_SIZE + 8, (BigInt(sym) << 32n) | BigInt(R_BPF_64_32), true);
    });
    relIndex = sections.push({ name: `.rel${program.section}`, type: SHT_REL, flags: SHF_INFO_LINK, data: rel, align: 8, info: progIndex, entsize: REL_SIZE });
  }
  const license = new Uint8Array(Buffer.from(`${program.license}\0`, 'utf8'));
  const licenseIndex = sections.push({ name: 'license', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_WRITE, data: license, align: 1 });
  syms.push({ name: 'LICENSE', bind: STB_GLOBAL, type: STT_OBJECT, shndx: licenseIndex, value: 0, size: license.length });

  const str = new StringTable();
  const symtab = new Uint8Array(SYM_SIZE * (syms.length + 1));
  const sv = new DataView(symtab.buffer);
  syms.forEach((sym, k) => {
    const o = (k + 1) * SYM_SIZE;
    sv.setUint32(o, str.add(sym.name), true);
    sv.setUint8(o + 4, (sym.bind << 4) | sym.type);
    sv.setUint16(o + 6, sym.shndx, true);
    sv.setBigUint64(o + 8, BigInt(sym.value), true);
    sv.setBigUint64(o + 16, BigInt(sym.size), true);
  });
  const symtabIndex = sections.push({ name: '.symtab', type: SHT_SYMTAB, flags: 0, data: symtab, align: 8, info: firstGlobal, entsize: SYM_SIZE });
  const strtabIndex = sections.push({ name: '.strtab', type: SHT_STRTAB, flags: 0, data: str.bytes(), align: 1 });
  sections[symtabIndex - 1]!.link = strtabIndex;
  if (relIndex) sections[relIndex - 1]!.link = symtabIndex;

  const shstr = new StringTable();
  const names = sections.map((s) => shstr.add(s.name));
  const shstrtabName = shstr.add('.shstrtab');
  sections.push({ name: '.shstrtab', type: SHT_STRTAB, flags: 0, data: shstr.bytes(), align: 1 });
  names.push(shstrtabName);

  // Layout: header, section contents, section headers.
  const offsets: number[] = [];
  let at = EHDR_SIZE;
  for (const s of sections) {
    at = align(at, 8);
    offsets.push(at);
    at += s.data.length;
  }
  const shoff = align(at, 8);
  const shnum = sections.length + 1;
  const out = new Uint8Array(shoff + SHDR_SIZE * shnum);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // ELFCLASS64, little-endian, version 1
  v.setUint16(16, ET_REL, true);
  v.setUint16(18, EM_BPF, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(40, BigInt(shoff), true);
  v.setUint16(52, EHDR_SIZE, true);
  v.setUint16(58, SHDR_SIZE, true);
  v.setUint16(60, shnum, true);
  v.setUint16(62, shnum - 1, true);
  sections.forEach((s, k) => {
    out.set(s.data, offsets[k]!);
    const o = shoff + (k + 1) * SHDR_SIZE;
    v.setUint32(o, names[k]!, true);
    v.setUint32(o + 4, s.type, true);
    v.setBigUint64(o + 8, BigInt(s.flags), true);
    v.setBigUint64(o + 24, BigInt(offsets[k]!), true);
    v.setBigUint64(o + 32, BigInt(s.data.length), true);
    v.setUint32(o + 40, s.link ?? 0, true);
    v.setUint32(o + 44, s.info ?? 0, true);
    v.setBigUint64(o + 48, BigInt(s.align), true);
    v.setBigUint64(o + 56, BigInt(s.entsize ?? 0), true);
  });
  return out;
}
