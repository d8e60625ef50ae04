/**
 * Writes the smallest ELF64 little-endian BPF relocatable object that clang-style loaders accept:
 * one executable program section holding one global function, a `license` section, a symbol table
 * and the string tables. No relocations: the program must not reference maps or other objects.
 *
 *   [0] null  [1] <program section>  [2] license  [3] .symtab  [4] .strtab  [5] .shstrtab
 */
export interface ElfProgram {
  /** Section name; libbpf's conventions give the program type (`socket`, `xdp`, `tracepoint/a/b`). */
  readonly section: string;
  /** Function symbol name. */
  readonly name: string;
  /** Encoded instructions (a multiple of 8 bytes). */
  readonly code: Uint8Array;
  readonly license: string;
}

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const EM_BPF = 247;
const ET_REL = 1;
const SHT_PROGBITS = 1;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHF_WRITE = 0x1;
const SHF_ALLOC = 0x2;
const SHF_EXECINSTR = 0x4;
const STB_GLOBAL = 1;
const STT_FUNC = 2;
const STT_OBJECT = 1;

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

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

export function writeBpfElf(program: ElfProgram): Uint8Array {
  if (program.code.length % 8 !== 0) throw new RangeError('program size must be a multiple of 8 bytes');
  const shstr = new StringTable();
  const str = new StringTable();
  const names = {
    prog: shstr.add(program.section),
    license: shstr.add('license'),
    symtab: shstr.add('.symtab'),
    strtab: shstr.add('.strtab'),
    shstrtab: shstr.add('.shstrtab'),
  };
  const license = new Uint8Array(Buffer.from(`${program.license}\0`, 'utf8'));

  // Symbols: null, then the global function and the LICENSE object.
  const symtab = new Uint8Array(SYM_SIZE * 3);
  const sv = new DataView(symtab.buffer);
  const sym = (i: number, name: number, info: number, shndx: number, size: number): void => {
    const o = i * SYM_SIZE;
    sv.setUint32(o, name, true);
    sv.setUint8(o + 4, info);
    sv.setUint16(o + 6, shndx, true);
    sv.setBigUint64(o + 8, 0n, true);
    sv.setBigUint64(o + 16, BigInt(size), true);
  };
  sym(1, str.add(program.name), (STB_GLOBAL << 4) | STT_FUNC, 1, program.code.length);
  sym(2, str.add('LICENSE'), (STB_GLOBAL << 4) | STT_OBJECT, 2, license.length);
  const strtab = str.bytes();
  const shstrtab = shstr.bytes();

  // Layout: header, section contents (8-byte aligned), section headers.
  const contents = [program.code, license, symtab, strtab, shstrtab];
  const offsets: number[] = [];
  let at = EHDR_SIZE;
  for (const c of contents) {
    at = align(at, 8);
    offsets.push(at);
    at += c.length;
  }
  const shoff = align(at, 8);
  const out = new Uint8Array(shoff + SHDR_SIZE * 6);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // ELFCLASS64, little-endian, version 1
  v.setUint16(16, ET_REL, true);
  v.setUint16(18, EM_BPF, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(40, BigInt(shoff), true);
  v.setUint16(52, EHDR_SIZE, true);
  v.setUint16(58, SHDR_SIZE, true);
  v.setUint16(60, 6, true);
  v.setUint16(62, 5, true);
  contents.forEach((c, i) => out.set(c, offsets[i]!));

  const shdr = (i: number, name: number, type: number, flags: number, index: number, link = 0, info = 0, addralign = 1, entsize = 0): void => {
    const o = shoff + i * SHDR_SIZE;
    v.setUint32(o, name, true);
    v.setUint32(o + 4, type, true);
    v.setBigUint64(o + 8, BigInt(flags), true);
    v.setBigUint64(o + 24, BigInt(offsets[index]!), true);
    v.setBigUint64(o + 32, BigInt(contents[index]!.length), true);
    v.setUint32(o + 40, link, true);
    v.setUint32(o + 44, info, true);
    v.setBigUint64(o + 48, BigInt(addralign), true);
    v.setBigUint64(o + 56, BigInt(entsize), true);
  };
  shdr(1, names.prog, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0, 0, 0, 8);
  shdr(2, names.license, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 1, 0, 0, 1);
  // sh_info of a symbol table: index of the first global symbol.
  shdr(3, names.symtab, SHT_SYMTAB, 0, 2, 4, 1, 8, SYM_SIZE);
  shdr(4, names.strtab, SHT_STRTAB, 0, 3);
  shdr(5, names.shstrtab, SHT_STRTAB, 0, 4);
  return out;
}
