import { BtfKind, BtfLinkage, type Btf, type BtfComposite, type BtfDatasec } from '@bpfleet/btf';
import { SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS, STT_FUNC, STT_NOTYPE, STT_OBJECT, type ElfFile, type ElfSection } from './elf-file.js';
import { ElfError } from './errors.js';
import { BpfMapType, type BpfMapSpec, type MapOrigin, type MapSlotInit } from './object.js';

export const BPF_F_RDONLY_PROG = 0x80;
export const BPF_F_MMAPABLE = 0x400;
const BPF_OBJ_NAME_LEN = 16;

/** A map plus where its definition lives, so relocations can find it. */
export interface MapRecord {
  readonly spec: BpfMapSpec;
  /** ELF section index of the definition (−1 for `.kconfig`, which has no section). */
  readonly sectionIndex: number;
  /** Byte offset of the definition within the section (`.maps`, `maps`). */
  readonly offset: number;
  /** Bytes the definition occupies in its section. */
  readonly size: number;
  /** Offset of the `values` array within a `.maps` definition (map-in-map, prog array). */
  readonly valuesOffset?: number;
}

/** One `.kconfig` extern and where libbpf places it in the `.kconfig` map value. */
export interface KconfigExtern {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

export interface CollectedMaps {
  readonly maps: MapRecord[];
  readonly kconfig: ReadonlyMap<string, KconfigExtern>;
  /** Index into `maps` of the `.kconfig` map, when there are kconfig externs. */
  readonly kconfigMapIndex?: number;
}

/** libbpf's lower-case map type name (`hash`, `array`, `ringbuf`, ...). */
export function mapTypeName(type: BpfMapType): string {
  return (BpfMapType[type] ?? `unknown(${type})`).toLowerCase();
}

/**
 * libbpf's `internal_map_name`: `<object name prefix><section>` within 15 characters. The section part
 * keeps at least 7 characters; names with a second dot (`.rodata.str1.1`) get no prefix; anything
 * outside [A-Za-z0-9_.] becomes `_`.
 */
export function internalMapName(objectName: string, sectionName: string): string {
  const sfxLen = Math.min(Math.max(7, sectionName.length), BPF_OBJ_NAME_LEN - 1);
  const pfxLen = sectionName.indexOf('.', 1) >= 0 ? 0 : Math.min(BPF_OBJ_NAME_LEN - sfxLen - 1, objectName.length);
  return (objectName.slice(0, pfxLen) + sectionName.slice(0, sfxLen)).replace(/[^A-Za-z0-9_.]/g, '_');
}

export function isDataSection(s: ElfSection): 'data' | 'rodata' | 'bss' | undefined {
  const under = (p: string) => s.name === p || s.name.startsWith(`${p}.`);
  if (s.type === SHT_PROGBITS && (s.flags & SHF_EXECINSTR) === 0 && s.size > 0) {
    if (under('.data')) return 'data';
    if (under('.rodata')) return 'rodata';
  }
  if (s.type === SHT_NOBITS && s.size > 0 && under('.bss')) return 'bss';
  return undefined;
}

/** Pass 4: legacy `maps`, BTF-defined `.maps`, global data sections and `.kconfig`, in libbpf's order. */
export function collectMaps(elf: ElfFile, btf: Btf | undefined, objectName: string): CollectedMaps {
  const maps: MapRecord[] = [];
  const legacy = elf.sectionByName('maps');
  if (legacy) maps.push(...legacyMaps(elf, legacy));
  const btfMapsSec = elf.sectionByName('.maps');
  if (btfMapsSec) {
    if (!btf) throw new ElfError('E_MAP', 'BTF-defined maps need a .BTF section', { section: '.maps' });
    maps.push(...btfMaps(elf, btf, btfMapsSec, maps.length));
  }
  for (const s of elf.sections) {
    const kind = isDataSection(s);
    if (kind) maps.push(dataMap(s, kind, btf, objectName));
  }
  const { externs, size } = kconfigLayout(btf);
  let kconfigMapIndex: number | undefined;
  if (externs.size > 0) {
    kconfigMapIndex = maps.length;
    const datasec = btf?.findByName('.kconfig', BtfKind.DATASEC);
    maps.push({
      spec: baseSpec(internalMapName(objectName, '.kconfig'), 'kconfig', '.kconfig', size, BPF_F_RDONLY_PROG, datasec?.id ?? 0, new Uint8Array(size)),
      sectionIndex: -1,
      offset: 0,
      size,
    });
  }
  return { maps, kconfig: externs, kconfigMapIndex };
}

function baseSpec(name: string, origin: MapOrigin, section: string, valueSize: number, flags: number, btfValueTypeId: number, initialData: Uint8Array): BpfMapSpec {
  return { name, type: BpfMapType.ARRAY, keySize: 4, valueSize, maxEntries: 1, flags, origin, section, btfKeyTypeId: 0, btfValueTypeId, initialData, pinning: 0 };
}

function dataMap(s: ElfSection, kind: 'data' | 'rodata' | 'bss', btf: Btf | undefined, objectName: string): MapRecord {
  const datasec = btf?.findByName(s.name, BtfKind.DATASEC) as BtfDatasec | undefined;
  let flags = kind === 'rodata' ? BPF_F_RDONLY_PROG : 0;
  // libbpf's map_is_mmapable: a section with at least one non-static variable is mmap-able.
  if (datasec && btf && datasec.vars.some((v) => { const t = btf.type(v.type); return t.kind === BtfKind.VAR && t.linkage !== BtfLinkage.STATIC; })) flags |= BPF_F_MMAPABLE;
  const initialData = kind === 'bss' ? new Uint8Array(s.size) : s.data.slice();
  return { spec: baseSpec(internalMapName(objectName, s.name), kind, s.name, s.size, flags, datasec?.id ?? 0, initialData), sectionIndex: s.index, offset: 0, size: s.size };
}

/** `struct bpf_map_def { type, key_size, value_size, max_entries, map_flags }`, one per symbol in `maps`. */
function legacyMaps(elf: ElfFile, sec: ElfSection): MapRecord[] {
  const syms = elf.symbolsIn(sec.index).filter((s) => (s.type === STT_OBJECT || s.type === STT_NOTYPE) && s.name !== '').sort((a, b) => a.value - b.value);
  const unique = syms.filter((s, i) => i === 0 || s.value !== syms[i - 1]!.value);
  if (unique.length === 0 || sec.size === 0) return [];
  if (sec.size % unique.length !== 0) throw new ElfError('E_MAP', `${sec.size} bytes do not divide into ${unique.length} map definitions`, { section: 'maps' });
  const defSize = sec.size / unique.length;
  if (defSize < 20) throw new ElfError('E_MAP', `map definition size ${defSize} is smaller than struct bpf_map_def (20)`, { section: 'maps' });
  const view = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
  return unique.map((sym) => {
    if (sym.value % 4 !== 0 || sym.value + defSize > sec.size) throw new ElfError('E_MAP', `map ${sym.name} at ${sym.value} lies outside the section`, { section: 'maps', symbol: sym.name });
    const u = (i: number) => view.getUint32(sym.value + i * 4, true);
    const spec: BpfMapSpec = {
      name: sym.name,
      type: u(0) as BpfMapType,
      keySize: u(1),
      valueSize: u(2),
      maxEntries: u(3),
      flags: u(4),
      origin: 'legacy',
      section: 'maps',
      btfKeyTypeId: 0,
      btfValueTypeId: 0,
      pinning: 0,
    };
    return { spec, sectionIndex: sec.index, offset: sym.value, size: defSize };
  });
}

/** BTF-defined maps: each VAR of the `.maps` DATASEC is a struct of `__uint`/`__type`/`__array` members. */
function btfMaps(elf: ElfFile, btf: Btf, sec: ElfSection, firstIndex: number): MapRecord[] {
  const datasec = btf.findByName('.maps', BtfKind.DATASEC);
  if (!datasec || datasec.kind !== BtfKind.DATASEC) throw new ElfError('E_MAP', 'no .maps DATASEC in BTF', { section: '.maps' });
  const out: MapRecord[] = [];
  for (const v of datasec.vars) {
    const variable = btf.type(v.type);
    if (variable.kind !== BtfKind.VAR) throw new ElfError('E_MAP', `DATASEC entry ${v.type} is not a VAR`, { section: '.maps' });
    const sym = elf.symbolNamed(sec.index, variable.name);
    if (!sym) throw new ElfError('E_MAP', `map ${variable.name} has no symbol`, { section: '.maps', symbol: variable.name });
    const def = btf.resolve(variable.type);
    if (def.kind !== BtfKind.STRUCT) throw new ElfError('E_MAP', `map ${variable.name} is not a struct`, { section: '.maps', symbol: variable.name });
    const spec = mapFromStruct(btf, def, variable.name, 0);
    const values = def.members.find((m) => m.name === 'values');
    out.push({ spec, sectionIndex: sec.index, offset: sym.value, size: def.size, valuesOffset: values ? values.bitOffset / 8 : undefined });
  }
  return withInitialSlots(elf, sec, out, firstIndex);
}

/** `.rel.maps` entries point `values[i]` of a map-in-map at another map, or of a prog array at a program. */
function withInitialSlots(elf: ElfFile, sec: ElfSection, records: MapRecord[], firstIndex: number): MapRecord[] {
  const slots = new Map<MapRecord, MapSlotInit[]>();
  const byOffset = new Map<number, number>();
  records.forEach((m, i) => {
    if (!byOffset.has(m.offset)) byOffset.set(m.offset, i);
  });
  const withValues = records.filter((m) => m.valuesOffset !== undefined).sort((a, b) => a.offset - b.offset);
  for (const r of elf.relocations.get(sec.index) ?? []) {
    const ctx = { section: '.maps', symbol: r.symbol.name, offset: r.offset };
    // The values[] array is flexible (not counted in the struct size): it spans max_entries pointers.
    const rec = containing(withValues, r.offset);
    if (!rec || rec.valuesOffset === undefined) throw new ElfError('E_RELOCATION', 'relocation outside the values[] of any map', ctx);
    const rel = r.offset - rec.offset - rec.valuesOffset;
    if (rel % 8 !== 0) throw new ElfError('E_RELOCATION', `relocation at ${r.offset} is not on a values[] slot`, ctx);
    const slot = rel / 8;
    let init: MapSlotInit;
    if (r.symbol.shndx === sec.index) {
      const target = byOffset.get(r.symbol.value) ?? -1;
      if (target < 0) throw new ElfError('E_RELOCATION', `values[${slot}] refers to no map`, ctx);
      init = { slot, kind: 'map', mapIndex: firstIndex + target };
    } else if (r.symbol.type === STT_FUNC) {
      init = { slot, kind: 'program', program: r.symbol.name };
    } else {
      throw new ElfError('E_RELOCATION', `values[${slot}] refers to ${r.symbol.name}, neither a map nor a program`, ctx);
    }
    slots.set(rec, [...(slots.get(rec) ?? []), init]);
  }
  return records.map((rec) => {
    const list = slots.get(rec);
    return list ? { ...rec, spec: { ...rec.spec, initialSlots: list.sort((a, b) => a.slot - b.slot) } } : rec;
  });
}

function mapFromStruct(btf: Btf, def: BtfComposite, name: string, depth: number): BpfMapSpec {
  const ctx = { section: '.maps', symbol: name };
  if (depth > 1) throw new ElfError('E_MAP', 'map-in-map nested more than one level', ctx);
  let type = 0;
  let keySize = 0;
  let valueSize = 0;
  let maxEntries = 0;
  let flags = 0;
  let pinning = 0;
  let btfKeyTypeId = 0;
  let btfValueTypeId = 0;
  let numaNode: number | undefined;
  let mapExtra: bigint | undefined;
  let innerMap: BpfMapSpec | undefined;
  const sizeOf = (id: number, what: string) => {
    try {
      return btf.sizeOf(id);
    } catch (e) {
      throw new ElfError('E_MAP', `${what} type has no size`, ctx, { cause: e });
    }
  };
  for (const m of def.members) {
    switch (m.name) {
      case 'type':
        type = uintField(btf, m.type, m.name, ctx);
        break;
      case 'max_entries':
        maxEntries = uintField(btf, m.type, m.name, ctx);
        break;
      case 'map_flags':
        flags = uintField(btf, m.type, m.name, ctx);
        break;
      case 'numa_node':
        numaNode = uintField(btf, m.type, m.name, ctx);
        break;
      case 'pinning':
        pinning = uintField(btf, m.type, m.name, ctx);
        break;
      case 'key_size':
        keySize = uintField(btf, m.type, m.name, ctx);
        break;
      case 'value_size':
        valueSize = uintField(btf, m.type, m.name, ctx);
        break;
      case 'map_extra': {
        const t = btf.resolve(m.type);
        mapExtra = t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64 ? BigInt.asUintN(64, t.values[0]?.value ?? 0n) : BigInt(uintField(btf, m.type, m.name, ctx));
        break;
      }
      case 'key':
        btfKeyTypeId = pointee(btf, m.type, m.name, ctx);
        keySize = sizeOf(btfKeyTypeId, 'key');
        break;
      case 'value':
        btfValueTypeId = pointee(btf, m.type, m.name, ctx);
        valueSize = sizeOf(btfValueTypeId, 'value');
        break;
      case 'values': {
        // __array(values, struct inner_def) → an array of pointers to the inner definition (or to a
        // function prototype for prog arrays).
        const arr = btf.resolve(m.type);
        if (arr.kind !== BtfKind.ARRAY) throw new ElfError('E_MAP', "'values' is not an array", ctx);
        const ptr = btf.resolve(arr.type);
        if (ptr.kind !== BtfKind.PTR) throw new ElfError('E_MAP', "'values' is not an array of pointers", ctx);
        const inner = btf.resolve(ptr.type);
        if (inner.kind === BtfKind.STRUCT) innerMap = mapFromStruct(btf, inner, `${name}.inner`, depth + 1);
        else if (inner.kind !== BtfKind.FUNC_PROTO) throw new ElfError('E_MAP', "'values' points to neither a map definition nor a function", ctx);
        // Map-in-map and prog array values are 4-byte ids/fds.
        if (!valueSize) valueSize = 4;
        if (!keySize) keySize = 4;
        break;
      }
      default:
        throw new ElfError('E_MAP', `unknown map attribute '${m.name}'`, ctx);
    }
  }
  const spec: BpfMapSpec = { name, type: type as BpfMapType, keySize, valueSize, maxEntries, flags, origin: 'btf', section: '.maps', btfKeyTypeId, btfValueTypeId, pinning };
  return { ...spec, ...(innerMap && { innerMap }), ...(numaNode !== undefined && { numaNode }), ...(mapExtra !== undefined && { mapExtra }) };
}

/** The map (sorted by offset) whose values[] array spans `offset`: binary search, maps do not overlap. */
function containing(sorted: readonly MapRecord[], offset: number): MapRecord | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = sorted[mid]!;
    const start = m.offset + m.valuesOffset!;
    if (offset < start) hi = mid - 1;
    else if (offset >= start + m.spec.maxEntries * 8) lo = mid + 1;
    else return m;
  }
  return undefined;
}

/** `__uint(name, val)` is `int (*name)[val]`: the value is the array's element count. */
function uintField(btf: Btf, typeId: number, field: string, ctx: { section: string; symbol: string }): number {
  const ptr = btf.resolve(typeId);
  if (ptr.kind !== BtfKind.PTR) throw new ElfError('E_MAP', `'${field}' is not declared with __uint()`, ctx);
  const arr = btf.resolve(ptr.type);
  if (arr.kind !== BtfKind.ARRAY) throw new ElfError('E_MAP', `'${field}' is not declared with __uint()`, ctx);
  return arr.nelems;
}

/** `__type(name, T)` is `T *name`. */
function pointee(btf: Btf, typeId: number, field: string, ctx: { section: string; symbol: string }): number {
  const ptr = btf.resolve(typeId);
  if (ptr.kind !== BtfKind.PTR) throw new ElfError('E_MAP', `'${field}' is not declared with __type()`, ctx);
  return ptr.type;
}

/**
 * libbpf's layout of `.kconfig` externs: sorted by alignment (descending), size (ascending), name;
 * each placed at the next aligned offset; the map value is the total rounded up to 8.
 */
function kconfigLayout(btf: Btf | undefined): { externs: Map<string, KconfigExtern>; size: number } {
  const externs = new Map<string, KconfigExtern>();
  const datasec = btf?.findByName('.kconfig', BtfKind.DATASEC);
  if (!btf || !datasec || datasec.kind !== BtfKind.DATASEC) return { externs, size: 0 };
  const vars = datasec.vars.map((v) => {
    const t = btf.type(v.type);
    if (t.kind !== BtfKind.VAR) throw new ElfError('E_MAP', `.kconfig entry ${v.type} is not a VAR`, { section: '.kconfig' });
    try {
      return { name: t.name, size: btf.sizeOf(t.type), align: btf.alignOf(t.type) };
    } catch (e) {
      throw new ElfError('E_MAP', `.kconfig extern ${t.name} has no size`, { section: '.kconfig', symbol: t.name }, { cause: e });
    }
  });
  vars.sort((a, b) => b.align - a.align || a.size - b.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let off = 0;
  for (const v of vars) {
    off = Math.ceil(off / v.align) * v.align;
    externs.set(v.name, { name: v.name, offset: off, size: v.size });
    off += v.size;
  }
  return { externs, size: Math.ceil(off / 8) * 8 };
}

