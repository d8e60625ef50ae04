import { Btf, BtfKind, parseBtf } from '@bpfleet/btf';
import type { ElfFile } from './elf-file.js';

/**
 * clang leaves DATASEC sizes and variable offsets at 0 in objects; the linker (or libbpf's
 * `btf_fixup_datasec`) fills them in from the ELF section sizes and symbol values. This does the
 * same on a copy of the `.BTF` bytes, so consumers see real offsets when they decode global data.
 * Returns the original bytes and graph when nothing needed fixing.
 */
export function fixupDatasecs(elf: ElfFile, bytes: Uint8Array, btf: Btf): { bytes: Uint8Array; btf: Btf } {
  let patched: Uint8Array | undefined;
  for (const t of btf.types) {
    if (t.kind !== BtfKind.DATASEC) continue;
    const section = elf.sectionByName(t.name);
    if (!section) continue; // .kconfig / .ksyms have no section; libbpf lays them out itself
    const base = btf.typeOffsets[t.id];
    if (base === undefined) continue;
    const out = (patched ??= bytes.slice());
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    view.setUint32(base + 8, section.size, true);
    t.vars.forEach((v, i) => {
      const variable = btf.type(v.type);
      const sym = elf.symbolNamed(section.index, variable.name);
      if (sym) view.setUint32(base + 12 + i * 12 + 4, sym.value, true);
    });
  }
  return patched ? { bytes: patched, btf: parseBtf(patched) } : { bytes, btf };
}
