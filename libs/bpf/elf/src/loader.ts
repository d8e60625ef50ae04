import { BtfError, parseBtf, parseBtfExt, type Btf, type BtfExt } from '@bpfleet/btf';
import { fixupDatasecs } from './btf-fixup.js';
import { parseElfFile, type ElfFile } from './elf-file.js';
import { ElfError } from './errors.js';
import { collectMaps } from './maps.js';
import type { BpfObject } from './object.js';
import { collectPrograms } from './programs.js';

export interface LoadOptions {
  /**
   * Object file name or path; the object name is its base name cut at the first dot, like libbpf
   * (`/x/minimal.bpf.o` → `minimal`). Global-data map names derive from it. Default `bpf`.
   */
  readonly name?: string;
  /** Refuse inputs larger than this many bytes (default 64 MiB). */
  readonly maxBytes?: number;
  /** Largest linked program in instruction slots (default 1,000,000). */
  readonly maxProgramInsns?: number;
  /** Budget for the object's code and for all linked programs together (default 2,000,000 slots each). */
  readonly maxTotalInsns?: number;
}

/** libbpf's object name rule: base name of the path up to the first `.`. */
export function objectNameFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot < 0 ? base : base.slice(0, dot);
}

/**
 * Parses an ELF64 little-endian BPF relocatable object (as `clang -target bpf -c` emits) into a
 * loader-neutral `BpfObject`, in passes: ELF container → BTF → maps → programs (relocated and linked)
 * → license/version. Touches no kernel. Throws `ElfError` (malformed BTF surfaces as code `E_BTF`
 * with the `BtfError` as cause); never anything else for any input.
 * CO-RE relocations are recorded per instruction, not applied (that needs the target kernel's BTF).
 */
export function loadBpfObject(bytes: Uint8Array, options: LoadOptions = {}): BpfObject {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  if (bytes.length > maxBytes) throw new ElfError('E_TOO_LARGE', `object is ${bytes.length} bytes, limit ${maxBytes}`);
  try {
    return load(bytes, options);
  } catch (e) {
    if (e instanceof BtfError) throw new ElfError('E_BTF', e.message, { section: '.BTF' }, { cause: e });
    if (e instanceof ElfError) throw e;
    // Anything else is a bug in this loader, but callers are promised a typed error for any input.
    throw new ElfError('E_INTERNAL', `malformed object: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e });
  }
}

function load(bytes: Uint8Array, options: LoadOptions): BpfObject {
  const elf = parseElfFile(bytes);
  const name = objectNameFromPath(options.name ?? 'bpf');
  let btfBytes = elf.sectionByName('.BTF')?.data;
  let btf: Btf | undefined;
  if (btfBytes) {
    const fixed = fixupDatasecs(elf, btfBytes, parseBtf(btfBytes));
    btfBytes = fixed.bytes;
    btf = fixed.btf;
  }
  const btfExtBytes = elf.sectionByName('.BTF.ext')?.data;
  let ext: BtfExt | undefined;
  if (btfExtBytes && btf) {
    try {
      ext = parseBtfExt(btfExtBytes, btf);
    } catch (e) {
      if (e instanceof BtfError) throw new ElfError('E_BTF', e.message, { section: '.BTF.ext' }, { cause: e });
      throw e;
    }
  }
  const maps = collectMaps(elf, btf, name);
  const programs = collectPrograms(elf, btf, ext, maps, {
    maxProgramInsns: options.maxProgramInsns ?? 1_000_000,
    maxTotalInsns: options.maxTotalInsns ?? 2_000_000,
  });
  return {
    name,
    license: license(elf),
    kernelVersion: kernelVersion(elf),
    programs,
    maps: maps.maps.map((m) => m.spec),
    ...(btfBytes && { btfBytes: btfBytes.slice() }),
    ...(btfExtBytes && { btfExtBytes: btfExtBytes.slice() }),
    elf: bytes,
  };
}

function license(elf: ElfFile): string {
  const s = elf.sectionByName('license');
  if (!s) return '';
  const nul = s.data.indexOf(0);
  return new TextDecoder('utf-8', { fatal: false }).decode(nul < 0 ? s.data : s.data.subarray(0, nul));
}

function kernelVersion(elf: ElfFile): number {
  const s = elf.sectionByName('version');
  if (!s) return 0;
  if (s.size !== 4) throw new ElfError('E_SECTION', `size ${s.size}, want 4`, { section: 'version' });
  return new DataView(s.data.buffer, s.data.byteOffset, 4).getUint32(0, true);
}
