// Test helper: pulls one section out of an ELF64 LE object without the ELF library (which depends on this one).
export function elfSection(elf: Uint8Array, name: string): Uint8Array | undefined {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = Number(v.getBigUint64(0x28, true));
  const shnum = v.getUint16(0x3c, true);
  const shstrndx = v.getUint16(0x3e, true);
  const sh = (i: number) => {
    const b = shoff + i * 64;
    return { name: v.getUint32(b, true), offset: Number(v.getBigUint64(b + 24, true)), size: Number(v.getBigUint64(b + 32, true)) };
  };
  const strtab = sh(shstrndx);
  const decoder = new TextDecoder();
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    const start = strtab.offset + s.name;
    const secName = decoder.decode(elf.subarray(start, elf.indexOf(0, start)));
    if (secName === name) return elf.subarray(s.offset, s.offset + s.size);
  }
  return undefined;
}
