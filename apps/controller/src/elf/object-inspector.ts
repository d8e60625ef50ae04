/**
 * Upload validation: is this an eBPF relocatable ELF object, and which programs does it hold?
 * Bounds-checked header and section-table reads only; the full loader (@bpfleet/elf) does the rest.
 */
export type InvalidObjectCode = 'NOT_ELF' | 'TRUNCATED' | 'NOT_BPF' | 'UNSUPPORTED' | 'NO_PROGRAMS';

export class InvalidObjectError extends Error {
  override readonly name = 'InvalidObjectError';
  constructor(
    readonly code: InvalidObjectCode,
    message: string,
  ) {
    super(message);
  }
}

export interface InspectedProgram {
  readonly name: string;
  readonly section: string;
  /** The bytes of the program's section (instructions, before relocation). */
  readonly code: Uint8Array;
}

export interface InspectedObject {
  readonly programs: readonly InspectedProgram[];
}

const EM_BPF = 247;
const ET_REL = 1;
const SHT_SYMTAB = 2;
const SHF_EXECINSTR = 0x4;
const STT_FUNC = 2;

export function inspectObject(bytes: Uint8Array): InspectedObject {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new InvalidObjectError('NOT_ELF', 'not an ELF file (bad magic)');
  }
  if (bytes.length < 64) throw new InvalidObjectError('TRUNCATED', `truncated ELF: ${bytes.length} bytes, the 64-bit header alone needs 64`);
  if (bytes[4] !== 2) throw new InvalidObjectError('UNSUPPORTED', 'only 64-bit ELF (ELFCLASS64) objects are eBPF objects');
  if (bytes[5] !== 1 && bytes[5] !== 2) throw new InvalidObjectError('UNSUPPORTED', `bad ELF data encoding ${bytes[5]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[5] === 1;
  const u16 = (o: number) => view.getUint16(o, le);
  const u32 = (o: number) => view.getUint32(o, le);
  const u64 = (o: number) => {
    const v = view.getBigUint64(o, le);
    if (v > BigInt(bytes.length)) throw new InvalidObjectError('TRUNCATED', `truncated ELF: offset or size ${v} beyond the file's ${bytes.length} bytes`);
    return Number(v);
  };
  const machine = u16(18);
  if (machine !== EM_BPF) throw new InvalidObjectError('NOT_BPF', `not an eBPF object: e_machine is ${machine}, expected ${EM_BPF} (EM_BPF)`);
  if (u16(16) !== ET_REL) throw new InvalidObjectError('UNSUPPORTED', `not a relocatable object (e_type ${u16(16)}); build with clang -c`);
  const shoff = u64(40);
  const shentsize = u16(58);
  const shnum = u16(60);
  const shstrndx = u16(62);
  if (shnum === 0 || shentsize < 64) throw new InvalidObjectError('TRUNCATED', 'ELF has no usable section header table');
  if (shoff + shnum * shentsize > bytes.length) {
    throw new InvalidObjectError('TRUNCATED', `truncated ELF: section headers end at ${shoff + shnum * shentsize}, file has ${bytes.length} bytes`);
  }
  if (shstrndx >= shnum) throw new InvalidObjectError('TRUNCATED', `section name table index ${shstrndx} out of range (${shnum} sections)`);
  const sections = Array.from({ length: shnum }, (_, i) => {
    const h = shoff + i * shentsize;
    const s = { nameOff: u32(h), type: u32(h + 4), flags: Number(view.getBigUint64(h + 8, le) & 0xffffn), offset: u64(h + 24), size: u64(h + 32), link: u32(h + 40), entsize: u64(h + 56) };
    if (s.type !== 8 /* SHT_NOBITS */ && s.offset + s.size > bytes.length) {
      throw new InvalidObjectError('TRUNCATED', `truncated ELF: section ${i} ends at ${s.offset + s.size}, file has ${bytes.length} bytes`);
    }
    return s;
  });
  const str = (table: number, off: number): string => {
    const t = sections[table];
    if (t === undefined || off >= t.size) return '';
    let end = t.offset + off;
    while (end < t.offset + t.size && bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(t.offset + off, end));
  };
  const names = sections.map((s) => str(shstrndx, s.nameOff));
  const programs: InspectedProgram[] = [];
  const symtabIndex = sections.findIndex((s) => s.type === SHT_SYMTAB);
  const symtab = sections[symtabIndex];
  if (symtab && symtab.entsize >= 24) {
    for (let off = symtab.offset; off + 24 <= symtab.offset + symtab.size; off += symtab.entsize) {
      const info = bytes[off + 4]!;
      const shndx = u16(off + 6);
      const section = sections[shndx];
      const sectionName = names[shndx] ?? '';
      if ((info & 0xf) === STT_FUNC && info >> 4 === 1 /* STB_GLOBAL */ && section && section.flags & SHF_EXECINSTR && sectionName !== '.text') {
        programs.push({ name: str(symtab.link, u32(off)), section: sectionName, code: bytes.subarray(section.offset, section.offset + section.size) });
      }
    }
  }
  if (programs.length === 0) throw new InvalidObjectError('NO_PROGRAMS', 'the object holds no eBPF program (no global function in an executable section other than .text)');
  return { programs };
}
