import { ElfError } from './errors.js';

/**
 * Pass 1 of the loader: the ELF64 little-endian container. Every table is bounds-checked against the
 * file before it is read, and counts come from sizes already checked, so no header field can cause
 * a large allocation or a read past the end.
 *
 *   ELF header (64 B) → section header table (e_shnum × 64 B) → .shstrtab names
 *   .symtab (24 B entries, names in .strtab), .rel<sec> (16 B entries: r_offset, r_info = sym << 32 | type)
 */

export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const EM_BPF = 247;
export const ET_REL = 1;

/** BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def). */
export const R_BPF_64_64 = 1;
export const R_BPF_64_ABS64 = 2;
export const R_BPF_64_ABS32 = 3;
export const R_BPF_64_NODYLD32 = 4;
export const R_BPF_64_32 = 10;

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  /** Low 32 bits of sh_flags (the high bits are OS/processor specific). */
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
  /** The section's bytes (empty for SHT_NOBITS). A view into the file, not a copy. */
  readonly data: Uint8Array;
}

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly type: number;
  readonly bind: number;
  /** Section index (SHN_UNDEF for externs, ≥ SHN_LORESERVE for special ones). */
  readonly shndx: number;
}

export interface ElfRelocation {
  /** Byte offset within the target section. */
  readonly offset: number;
  readonly type: number;
  readonly symbol: ElfSymbol;
}

export interface ElfFile {
  readonly sections: readonly ElfSection[];
  readonly symbols: readonly ElfSymbol[];
  /** Relocations by the index of the section they apply to. */
  readonly relocations: ReadonlyMap<number, readonly ElfRelocation[]>;
  sectionByName(name: string): ElfSection | undefined;
  /** Symbols defined in a section (indexed once, so lookups stay linear in the file size). */
  symbolsIn(sectionIndex: number): readonly ElfSymbol[];
  /** The first symbol with this name in a section. */
  symbolNamed(sectionIndex: number, name: string): ElfSymbol | undefined;
}

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;

class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  check(offset: number, size: number, what: string, section?: string): void {
    if (offset < 0 || size < 0 || offset + size > this.bytes.length) {
      throw new ElfError('E_TRUNCATED', `${what} (${size} bytes at ${offset}) runs past the end of the ${this.bytes.length}-byte file`, { section, offset });
    }
  }
  u16(o: number): number {
    return this.view.getUint16(o, true);
  }
  u32(o: number): number {
    return this.view.getUint32(o, true);
  }
  /** A u64 field that must fit in 32 bits (offsets and sizes within a file we accept). */
  u64small(o: number, what: string, section?: string): number {
    const hi = this.view.getUint32(o + 4, true);
    if (hi !== 0) throw new ElfError('E_SECTION', `${what} 0x${hi.toString(16)}${this.u32(o).toString(16).padStart(8, '0')} is out of range`, { section, offset: o });
    return this.view.getUint32(o, true);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function cString(bytes: Uint8Array, offset: number, what: string, section: string): string {
  if (offset >= bytes.length) throw new ElfError('E_SECTION', `${what} name offset ${offset} outside the ${bytes.length}-byte string table`, { section });
  const end = bytes.indexOf(0, offset);
  if (end < 0) throw new ElfError('E_SECTION', `${what} name at ${offset} is not NUL-terminated`, { section });
  return utf8.decode(bytes.subarray(offset, end));
}

/** Parses the ELF header, section headers, symbol table and REL relocation tables. */
export function parseElfFile(bytes: Uint8Array): ElfFile {
  const r = new Reader(bytes);
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new ElfError('E_NOT_ELF', 'not an ELF file (bad magic)', { offset: 0 });
  r.check(0, EHDR_SIZE, 'ELF header');
  if (bytes[4] !== 2) throw new ElfError('E_CLASS', `not ELF64 (class ${bytes[4]})`, { offset: 4 });
  if (bytes[5] !== 1) throw new ElfError('E_ENDIAN', `not little-endian (data encoding ${bytes[5]})`, { offset: 5 });
  const type = r.u16(16);
  const machine = r.u16(18);
  if (machine !== EM_BPF) throw new ElfError('E_MACHINE', `not a BPF object (e_machine ${machine}, want ${EM_BPF})`, { offset: 18 });
  if (type !== ET_REL) throw new ElfError('E_TYPE', `not a relocatable object (e_type ${type})`, { offset: 16 });
  const shoff = r.u64small(0x28, 'e_shoff');
  const shentsize = r.u16(0x3a);
  const shnum = r.u16(0x3c);
  const shstrndx = r.u16(0x3e);
  if (shnum === 0) throw new ElfError('E_SECTION', 'no section headers (or extended section numbering, which BPF objects do not use)');
  if (shentsize !== SHDR_SIZE) throw new ElfError('E_SECTION', `section header size ${shentsize}, want ${SHDR_SIZE}`, { offset: 0x3a });
  r.check(shoff, shnum * SHDR_SIZE, 'section header table');
  if (shstrndx >= shnum) throw new ElfError('E_SECTION', `section name table index ${shstrndx} >= ${shnum} sections`, { offset: 0x3e });

  interface RawSection extends Omit<ElfSection, 'name'> {
    readonly nameOff: number;
  }
  const raw: RawSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const b = shoff + i * SHDR_SIZE;
    const where = `section #${i}`;
    const type = r.u32(b + 4);
    const offset = r.u64small(b + 24, 'sh_offset', where);
    const size = r.u64small(b + 32, 'sh_size', where);
    let data: Uint8Array = new Uint8Array(0);
    if (type !== SHT_NOBITS && i !== 0) {
      r.check(offset, size, 'section contents', where);
      data = bytes.subarray(offset, offset + size);
    }
    raw.push({ index: i, nameOff: r.u32(b), type, flags: r.u32(b + 8), offset, size, link: r.u32(b + 40), info: r.u32(b + 44), entsize: r.u64small(b + 56, 'sh_entsize', where), data });
  }
  const shstr = raw[shstrndx]!;
  if (shstr.type !== SHT_STRTAB) throw new ElfError('E_SECTION', `section name table #${shstrndx} is not a string table`);
  const sections: ElfSection[] = raw.map(({ nameOff, ...s }) => ({ ...s, name: s.index === 0 ? '' : cString(shstr.data, nameOff, `section #${s.index}`, '.shstrtab') }));
  const byName = new Map<string, ElfSection>();
  for (const s of sections) if (!byName.has(s.name)) byName.set(s.name, s);

  const symbols = parseSymbols(r, sections);
  const relocations = new Map<number, ElfRelocation[]>();
  for (const s of sections) {
    if (s.type !== SHT_REL) continue;
    if (s.info === 0 || s.info >= sections.length) throw new ElfError('E_SECTION', `relocations apply to missing section #${s.info}`, { section: s.name });
    if (s.size % REL_SIZE !== 0) throw new ElfError('E_SECTION', `size ${s.size} is not a multiple of ${REL_SIZE}`, { section: s.name });
    const list: ElfRelocation[] = [];
    const view = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    for (let o = 0; o < s.size; o += REL_SIZE) {
      const offHi = view.getUint32(o + 4, true);
      const symIndex = view.getUint32(o + 12, true);
      const symbol = symbols[symIndex];
      if (offHi !== 0 || !symbol) throw new ElfError('E_RELOCATION', `relocation #${o / REL_SIZE}: offset or symbol #${symIndex} out of range`, { section: s.name });
      list.push({ offset: view.getUint32(o, true), type: view.getUint32(o + 8, true), symbol });
    }
    const existing = relocations.get(s.info);
    if (existing) for (const r of list) existing.push(r);
    else relocations.set(s.info, list);
  }
  const bySection = new Map<number, ElfSymbol[]>();
  const byKey = new Map<string, ElfSymbol>();
  for (const sym of symbols) {
    const list = bySection.get(sym.shndx);
    if (list) list.push(sym);
    else bySection.set(sym.shndx, [sym]);
    const key = `${sym.shndx}\0${sym.name}`;
    if (!byKey.has(key)) byKey.set(key, sym);
  }
  return {
    sections,
    symbols,
    relocations,
    sectionByName: (name) => byName.get(name),
    symbolsIn: (index) => bySection.get(index) ?? [],
    symbolNamed: (index, name) => byKey.get(`${index}\0${name}`),
  };
}

function parseSymbols(r: Reader, sections: readonly ElfSection[]): ElfSymbol[] {
  const symtabs = sections.filter((s) => s.type === SHT_SYMTAB);
  if (symtabs.length === 0) return [];
  if (symtabs.length > 1) throw new ElfError('E_SECTION', `${symtabs.length} symbol tables`);
  const symtab = symtabs[0]!;
  if (symtab.size % SYM_SIZE !== 0) throw new ElfError('E_SECTION', `size ${symtab.size} is not a multiple of ${SYM_SIZE}`, { section: symtab.name });
  const strtab = sections[symtab.link];
  if (!strtab || strtab.type !== SHT_STRTAB) throw new ElfError('E_SECTION', `linked string table #${symtab.link} missing`, { section: symtab.name });
  const out: ElfSymbol[] = [];
  const base = symtab.offset;
  for (let i = 0; i < symtab.size / SYM_SIZE; i++) {
    const b = base + i * SYM_SIZE;
    const info = r.bytes[b + 4]!;
    const shndx = r.u16(b + 6);
    const where = `symbol #${i}`;
    out.push({
      index: i,
      name: cString(strtab.data, r.u32(b), where, strtab.name),
      type: info & 0xf,
      bind: info >> 4,
      shndx,
      value: r.u64small(b + 8, 'st_value', where),
      size: r.u64small(b + 16, 'st_size', where),
    });
  }
  return out;
}
