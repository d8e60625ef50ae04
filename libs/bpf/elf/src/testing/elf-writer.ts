// Test helper: writes a minimal ELF64 LE EM_BPF relocatable object, to build shapes clang never emits.
export interface WriterSection {
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly data: Uint8Array;
  readonly link?: number;
  readonly info?: number;
  readonly entsize?: number;
}

export interface WriterSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** st_info: bind << 4 | type. */
  readonly info: number;
  readonly shndx: number;
}

/** Sections get indices 1.. in order; `.symtab`, `.strtab` and `.shstrtab` are appended after them. */
export function writeElf(sections: readonly WriterSection[], symbols: readonly WriterSymbol[]): Uint8Array {
  const enc = new TextEncoder();
  const strings = (names: string[]) => {
    const parts: number[] = [0];
    const offsets = names.map((n) => {
      const off = parts.length;
      parts.push(...enc.encode(n), 0);
      return off;
    });
    return { bytes: Uint8Array.from(parts), offsets };
  };
  const strtab = strings(symbols.map((s) => s.name));
  const symtab = new Uint8Array((symbols.length + 1) * 24);
  const sv = new DataView(symtab.buffer);
  symbols.forEach((s, i) => {
    const b = (i + 1) * 24;
    sv.setUint32(b, strtab.offsets[i]!, true);
    sv.setUint8(b + 4, s.info);
    sv.setUint16(b + 6, s.shndx, true);
    sv.setBigUint64(b + 8, BigInt(s.value), true);
    sv.setBigUint64(b + 16, BigInt(s.size), true);
  });
  const symtabIndex = sections.length + 1;
  const all: WriterSection[] = [
    ...sections,
    { name: '.symtab', type: 2, flags: 0, data: symtab, link: symtabIndex + 1, info: 1, entsize: 24 },
    { name: '.strtab', type: 3, flags: 0, data: strtab.bytes },
  ];
  const shstr = strings([...all.map((s) => s.name), '.shstrtab']);
  all.push({ name: '.shstrtab', type: 3, flags: 0, data: shstr.bytes });
  let offset = 64;
  const offsets = all.map((s) => {
    const at = offset;
    offset += Math.ceil(s.data.length / 8) * 8;
    return at;
  });
  const shoff = offset;
  const out = new Uint8Array(shoff + (all.length + 1) * 64);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 1, true); // ET_REL
  v.setUint16(18, 247, true); // EM_BPF
  v.setUint32(20, 1, true);
  v.setBigUint64(0x28, BigInt(shoff), true);
  v.setUint16(0x34, 64, true);
  v.setUint16(0x3a, 64, true);
  v.setUint16(0x3c, all.length + 1, true);
  v.setUint16(0x3e, all.length, true);
  all.forEach((s, i) => {
    out.set(s.data, offsets[i]!);
    const b = shoff + (i + 1) * 64;
    v.setUint32(b, shstr.offsets[i]!, true);
    v.setUint32(b + 4, s.type, true);
    v.setBigUint64(b + 8, BigInt(s.flags), true);
    v.setBigUint64(b + 24, BigInt(offsets[i]!), true);
    v.setBigUint64(b + 32, BigInt(s.data.length), true);
    v.setUint32(b + 40, s.link ?? 0, true);
    v.setUint32(b + 44, s.info ?? 0, true);
    v.setBigUint64(b + 56, BigInt(s.entsize ?? 0), true);
  });
  return out;
}
