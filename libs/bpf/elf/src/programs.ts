import { decodeInstructions, InstructionDecodeError, LDDW_OPCODE, type Instruction } from '@bpfleet/isa';
import { BtfKind, type Btf, type BtfExt, type BtfExtCoreRelo, type BtfExtFuncInfo, type BtfExtLineInfo } from '@bpfleet/btf';
import { SHF_EXECINSTR, SHN_LORESERVE, SHN_UNDEF, SHT_PROGBITS, STT_FUNC, STT_SECTION, type ElfFile, type ElfRelocation, type ElfSection } from './elf-file.js';
import { ElfError } from './errors.js';
import type { CollectedMaps } from './maps.js';
import { isDataSection } from './maps.js';
import type { BpfProgramSpec, CoreRelocation, FuncInfo, InsnReference, LineInfo } from './object.js';
import { matchSection, type SectionMatch } from './section-defs.js';
import { BpfProgType } from './object.js';

/** Pseudo sources the loader writes (include/uapi/linux/bpf.h). */
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;
const CALL_OPCODE = 0x85;

export interface ProgramLimits {
  /** Largest linked program, in instruction slots (default 1,000,000 like the kernel). */
  readonly maxProgramInsns: number;
  /** Budget for the object's code and for all linked programs together (default 2,000,000 slots each). */
  readonly maxTotalInsns: number;
}

/** One function of an executable section: a program entry point or a `.text` subprogram. */
interface Func {
  readonly name: string;
  readonly section: ElfSection;
  /** First instruction slot within the section. */
  readonly start: number;
  readonly count: number;
}

/** A call or function-address load that the linker must point at another function. */
interface Edge {
  readonly at: number;
  readonly target: Func;
  readonly kind: 'subprog' | 'func_addr';
}

/** A function with relocations applied except for call offsets, and its `.BTF.ext` records, all relative to its start. */
interface FuncTemplate {
  readonly insns: Instruction[];
  readonly edges: Edge[];
  readonly references: InsnReference[];
  readonly lineInfo: LineInfo[];
  readonly funcInfo: FuncInfo[];
  readonly coreRelocations: CoreRelocation[];
}

/** `.BTF.ext` records of one section, bucketed by instruction slot. */
interface ExtBuckets {
  readonly lineInfo: Map<number, BtfExtLineInfo[]>;
  readonly funcInfo: Map<number, BtfExtFuncInfo[]>;
  readonly coreRelos: Map<number, BtfExtCoreRelo[]>;
}

interface Context {
  readonly elf: ElfFile;
  readonly btf: Btf | undefined;
  readonly ext: BtfExt | undefined;
  readonly maps: CollectedMaps;
  readonly sectionInsns: Map<number, Instruction[]>;
  readonly funcsBySection: Map<number, Func[]>;
  /** Functions by section, then by first slot. */
  readonly funcStarts: Map<number, Map<number, Func>>;
  /** Relocations by section, then by instruction slot. */
  readonly relocsBySection: Map<number, Map<number, ElfRelocation>>;
  /** Map index by `.maps`/`maps` section index and definition offset, and by global-data section index. */
  readonly mapByDefinition: Map<string, number>;
  readonly mapBySection: Map<number, number>;
  readonly extBySection: Map<string, ExtBuckets>;
  readonly templates: Map<Func, FuncTemplate>;
  readonly sectionMatches: Map<number, SectionMatch | undefined>;
}

function bucket<T extends { insnOff: number }>(records: readonly T[] | undefined): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of records ?? []) {
    if (r.insnOff % 8 !== 0) continue;
    const slot = r.insnOff / 8;
    const list = out.get(slot);
    if (list) list.push(r);
    else out.set(slot, [r]);
  }
  return out;
}

function indexRelocations(elf: ElfFile, s: ElfSection): Map<number, ElfRelocation> {
  const out = new Map<number, ElfRelocation>();
  for (const r of elf.relocations.get(s.index) ?? []) {
    if (r.offset % 8 !== 0) throw new ElfError('E_RELOCATION', `relocation at byte ${r.offset} is not on an instruction boundary`, { section: s.name, offset: r.offset });
    out.set(r.offset / 8, r);
  }
  return out;
}

/** Pass 5: split executable sections into functions, relocate them, and link each program with its subprograms. */
export function collectPrograms(elf: ElfFile, btf: Btf | undefined, ext: BtfExt | undefined, maps: CollectedMaps, limits: ProgramLimits): BpfProgramSpec[] {
  const ctx: Context = {
    elf,
    btf,
    ext,
    maps,
    sectionInsns: new Map(),
    funcsBySection: new Map(),
    funcStarts: new Map(),
    relocsBySection: new Map(),
    mapByDefinition: new Map(),
    mapBySection: new Map(),
    extBySection: new Map(),
    templates: new Map(),
    sectionMatches: new Map(),
  };
  maps.maps.forEach((m, i) => {
    const key = `${m.sectionIndex}:${m.offset}`;
    if (!ctx.mapByDefinition.has(key)) ctx.mapByDefinition.set(key, i);
    if (!ctx.mapBySection.has(m.sectionIndex)) ctx.mapBySection.set(m.sectionIndex, i);
  });
  // Bound the decoded code before decoding it: every slot becomes an object.
  const execSlots = elf.sections.reduce((n, s) => (s.type === SHT_PROGBITS && (s.flags & SHF_EXECINSTR) !== 0 ? n + Math.floor(s.size / 8) : n), 0);
  if (execSlots > limits.maxTotalInsns) throw new ElfError('E_LIMIT', `${execSlots} instructions of code exceed the limit of ${limits.maxTotalInsns}`);
  for (const s of elf.sections) {
    if (s.type !== SHT_PROGBITS || (s.flags & SHF_EXECINSTR) === 0 || s.size === 0) continue;
    ctx.sectionInsns.set(s.index, decodeSection(s));
    const funcs = functionsOf(elf, s);
    ctx.funcsBySection.set(s.index, funcs);
    const starts = new Map<number, Func>();
    for (const f of funcs) if (!starts.has(f.start)) starts.set(f.start, f);
    ctx.funcStarts.set(s.index, starts);
    ctx.relocsBySection.set(s.index, indexRelocations(elf, s));
    ctx.extBySection.set(s.name, { lineInfo: bucket(ext?.lineInfo.get(s.name)), funcInfo: bucket(ext?.funcInfo.get(s.name)), coreRelos: bucket(ext?.coreRelos.get(s.name)) });
  }
  const programs: BpfProgramSpec[] = [];
  let total = 0;
  for (const [sectionIndex, funcs] of ctx.funcsBySection) {
    const section = elf.sections[sectionIndex]!;
    if (section.name === '.text') continue;
    for (const f of funcs) {
      const program = link(ctx, f, limits);
      total += program.insns.length;
      if (total > limits.maxTotalInsns) throw new ElfError('E_LIMIT', `linked programs exceed ${limits.maxTotalInsns} instructions in total`, { section: section.name });
      programs.push(program);
    }
  }
  return programs;
}

function decodeSection(s: ElfSection): Instruction[] {
  if (s.size % 8 !== 0) throw new ElfError('E_PROGRAM', `size ${s.size} is not a whole number of instructions`, { section: s.name });
  try {
    return decodeInstructions(s.data);
  } catch (e) {
    if (e instanceof InstructionDecodeError) throw new ElfError('E_PROGRAM', e.message, { section: s.name, offset: e.insn * 8 }, { cause: e });
    throw e;
  }
}

function functionsOf(elf: ElfFile, s: ElfSection): Func[] {
  const syms = elf.symbolsIn(s.index).filter((sym) => sym.type === STT_FUNC).sort((a, b) => a.value - b.value);
  if (syms.length === 0) {
    // Hand-assembled objects may carry no symbols: the whole section is one function named after it.
    return [{ name: s.name.replace(/[^A-Za-z0-9_]/g, '_'), section: s, start: 0, count: s.size / 8 }];
  }
  const funcs: Func[] = [];
  for (const sym of syms) {
    if (sym.value % 8 !== 0 || sym.size % 8 !== 0 || sym.value + sym.size > s.size) {
      throw new ElfError('E_SYMBOL', `function ${sym.name} (${sym.size} bytes at ${sym.value}) is misaligned or outside the section`, { section: s.name, symbol: sym.name });
    }
    if (sym.size === 0) continue;
    funcs.push({ name: sym.name, section: s, start: sym.value / 8, count: sym.size / 8 });
  }
  return funcs;
}

/** Links `main` with every function it reaches (breadth-first in call order, like libbpf) and fixes call offsets. */
function link(ctx: Context, main: Func, limits: ProgramLimits): BpfProgramSpec {
  const insns: Instruction[] = [];
  const references: InsnReference[] = [];
  const lineInfo: LineInfo[] = [];
  const funcInfo: FuncInfo[] = [];
  const coreRelocations: CoreRelocation[] = [];
  const placed = new Map<Func, number>();
  const order: Func[] = [];
  const place = (f: Func) => {
    const base = insns.length;
    if (base + f.count > limits.maxProgramInsns) {
      throw new ElfError('E_LIMIT', `program ${main.name} exceeds ${limits.maxProgramInsns} instructions after linking`, { section: main.section.name, symbol: main.name });
    }
    placed.set(f, base);
    order.push(f);
    const t = template(ctx, f);
    for (const insn of t.insns) insns.push(insn);
    for (const r of t.references) references.push({ ...r, insn: r.insn + base });
    for (const l of t.lineInfo) lineInfo.push({ ...l, insn: l.insn + base });
    for (const fi of t.funcInfo) funcInfo.push({ ...fi, insn: fi.insn + base });
    for (const c of t.coreRelocations) coreRelocations.push({ ...c, insn: c.insn + base });
  };
  place(main);
  for (let i = 0; i < order.length; i++) {
    const f = order[i]!;
    const base = placed.get(f)!;
    for (const edge of template(ctx, f).edges) {
      if (!placed.has(edge.target)) place(edge.target);
      const site = base + edge.at;
      const target = placed.get(edge.target)!;
      insns[site] = withImm(insns[site]!, target - site - 1);
      references.push({ kind: edge.kind, insn: site, target, name: edge.target.name });
    }
  }
  references.sort((a, b) => a.insn - b.insn);
  let match = ctx.sectionMatches.get(main.section.index);
  if (!ctx.sectionMatches.has(main.section.index)) ctx.sectionMatches.set(main.section.index, (match = matchSection(main.section.name)));
  // The entry's func info names its BTF FUNC; without .BTF.ext fall back to the FUNC of the same name.
  const btfFuncTypeId = funcInfo.find((fi) => fi.insn === 0)?.btfTypeId ?? ctx.btf?.findByName(main.name, BtfKind.FUNC)?.id ?? 0;
  const spec: BpfProgramSpec = {
    name: main.name,
    section: main.section.name,
    type: match?.type ?? BpfProgType.UNSPEC,
    sleepable: match?.sleepable ?? false,
    insns,
    references,
    lineInfo,
    funcInfo,
    coreRelocations,
    btfFuncTypeId,
  };
  return {
    ...spec,
    ...(match?.expectedAttachType !== undefined && { expectedAttachType: match.expectedAttachType }),
    ...(match?.attachTarget !== undefined && { attachTarget: match.attachTarget }),
    ...(main.section.name.startsWith('?') && { autoload: false }),
  };
}

function withImm(insn: Instruction, imm: number): Instruction {
  return insn.opcode === LDDW_OPCODE ? { ...insn, imm, imm64: (insn.imm64! & 0xffff_ffff_0000_0000n) | BigInt(imm >>> 0) } : { ...insn, imm };
}

function template(ctx: Context, f: Func): FuncTemplate {
  const cached = ctx.templates.get(f);
  if (cached) return cached;
  const all = ctx.sectionInsns.get(f.section.index)!;
  const insns = all.slice(f.start, f.start + f.count);
  const edges: Edge[] = [];
  const references: InsnReference[] = [];
  const sectionRelocs = ctx.relocsBySection.get(f.section.index)!;
  const where = { section: f.section.name, symbol: f.name };
  for (let at = 0; at < insns.length; at++) {
    const insn = insns[at]!;
    const reloc = sectionRelocs.get(f.start + at);
    if (insn.opcode === CALL_OPCODE && reloc && reloc.symbol.shndx === SHN_UNDEF) {
      // A call to an extern function is a kfunc; clang emits it as a pseudo call with imm −1. Like
      // libbpf, mark it BPF_PSEUDO_KFUNC_CALL; the kernel BTF id (imm) is resolved by whoever loads it.
      insns[at] = { ...insn, src: BPF_PSEUDO_KFUNC_CALL, imm: 0 };
      references.push({ kind: 'kfunc', insn: at, name: reloc.symbol.name });
      continue;
    }
    if (insn.opcode === CALL_OPCODE && insn.src === BPF_PSEUDO_CALL) {
      // Call target in bytes: relocated calls count from the symbol (imm is −1 for global functions,
      // the static function's slot offset for section symbols); unrelocated ones are section-relative.
      let targetSection = f.section.index;
      let targetInsn = f.start + at + insn.imm + 1;
      if (reloc) {
        checkSymbolSection(ctx, reloc, where);
        targetSection = reloc.symbol.shndx;
        if (reloc.symbol.value % 8 !== 0) throw new ElfError('E_RELOCATION', `call target symbol ${reloc.symbol.name} is misaligned`, where);
        targetInsn = reloc.symbol.value / 8 + insn.imm + 1;
      }
      if (!reloc && targetInsn >= f.start && targetInsn < f.start + f.count) continue; // a jump-like call within the function
      edges.push({ at, target: calleeAt(ctx, targetSection, targetInsn, at, where), kind: 'subprog' });
      continue;
    }
    if (!reloc) continue;
    if (insn.opcode === CALL_OPCODE) {
      references.push({ kind: 'kfunc', insn: at, name: reloc.symbol.name });
      continue;
    }
    if (insn.opcode !== LDDW_OPCODE) {
      throw new ElfError('E_RELOCATION', `relocation against ${reloc.symbol.name || 'a section'} on instruction ${at} (opcode 0x${insn.opcode.toString(16)}), which is neither lddw nor call`, where);
    }
    relocateLoad(ctx, f, insns, at, reloc, edges, references);
  }
  const t: FuncTemplate = { insns, edges, references, ...extRecords(ctx, f) };
  ctx.templates.set(f, t);
  return t;
}

function checkSymbolSection(ctx: Context, reloc: ElfRelocation, where: { section: string; symbol: string }): void {
  const shndx = reloc.symbol.shndx;
  if (shndx === SHN_UNDEF || shndx >= SHN_LORESERVE || !ctx.funcsBySection.has(shndx)) {
    throw new ElfError('E_RELOCATION', `call relocation against ${reloc.symbol.name || `section #${shndx}`}, which is not code in this object`, where);
  }
}

function calleeAt(ctx: Context, sectionIndex: number, insn: number, at: number, where: { section: string; symbol: string }): Func {
  const target = ctx.funcStarts.get(sectionIndex)?.get(insn);
  if (!target) {
    throw new ElfError('E_PROGRAM', `instruction ${at} calls slot ${insn} of ${ctx.elf.sections[sectionIndex]?.name}, which is not the start of a function`, where);
  }
  return target;
}

/** Rewrites a relocated `lddw` to the loader-neutral map / map value / function address form. */
function relocateLoad(ctx: Context, f: Func, insns: Instruction[], at: number, reloc: ElfRelocation, edges: Edge[], references: InsnReference[]): void {
  const where = { section: f.section.name, symbol: f.name };
  const first = insns[at]!;
  const second = insns[at + 1];
  if (!second) throw new ElfError('E_PROGRAM', `lddw at ${at} has no second slot`, where);
  const sym = reloc.symbol;
  const setLoad = (src: number, lo: number, hi: number) => {
    insns[at] = { ...first, src, imm: lo, imm64: (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0) };
    insns[at + 1] = { ...second, imm: hi };
  };
  if (sym.shndx === SHN_UNDEF) {
    const ext = ctx.maps.kconfig.get(sym.name);
    if (ext && ctx.maps.kconfigMapIndex !== undefined) {
      setLoad(BPF_PSEUDO_MAP_IDX_VALUE, ctx.maps.kconfigMapIndex, ext.offset);
      references.push({ kind: 'map_value', insn: at, mapIndex: ctx.maps.kconfigMapIndex, offset: ext.offset });
    } else {
      references.push({ kind: 'extern', insn: at, name: sym.name });
    }
    return;
  }
  if (sym.shndx >= SHN_LORESERVE || sym.shndx >= ctx.elf.sections.length) throw new ElfError('E_RELOCATION', `lddw ${at} refers to special section #${sym.shndx}`, where);
  const target = ctx.elf.sections[sym.shndx]!;
  if (ctx.funcsBySection.has(target.index)) {
    const byteOff = sym.value + first.imm;
    if (byteOff % 8 !== 0) throw new ElfError('E_RELOCATION', `function address at byte ${byteOff} is misaligned`, where);
    insns[at] = { ...first, src: BPF_PSEUDO_FUNC };
    edges.push({ at, target: calleeAt(ctx, target.index, byteOff / 8, at, where), kind: 'func_addr' });
    return;
  }
  if (target.name === '.maps' || target.name === 'maps') {
    const offset = sym.value + (sym.type === STT_SECTION ? first.imm : 0);
    const mapIndex = ctx.mapByDefinition.get(`${target.index}:${offset}`) ?? -1;
    if (mapIndex < 0) throw new ElfError('E_RELOCATION', `lddw ${at} refers to no map at ${target.name}+${offset}`, where);
    setLoad(BPF_PSEUDO_MAP_IDX, mapIndex, 0);
    references.push({ kind: 'map', insn: at, mapIndex });
    return;
  }
  if (isDataSection(target)) {
    const mapIndex = ctx.mapBySection.get(target.index) ?? -1;
    const offset = (sym.type === STT_SECTION ? 0 : sym.value) + first.imm;
    if (mapIndex < 0 || offset < 0 || offset >= Math.max(target.size, 1)) throw new ElfError('E_RELOCATION', `lddw ${at} refers to ${target.name}+${offset}, outside the section`, where);
    setLoad(BPF_PSEUDO_MAP_IDX_VALUE, mapIndex, offset);
    references.push({ kind: 'map_value', insn: at, mapIndex, offset });
    return;
  }
  throw new ElfError('E_RELOCATION', `lddw ${at} refers to section ${target.name}, which is neither code, maps nor global data`, where);
}

/** `.BTF.ext` records of the function's section that fall inside it, made relative to its start. */
function extRecords(ctx: Context, f: Func): Pick<FuncTemplate, 'lineInfo' | 'funcInfo' | 'coreRelocations'> {
  const lineInfo: LineInfo[] = [];
  const funcInfo: FuncInfo[] = [];
  const coreRelocations: CoreRelocation[] = [];
  const b = ctx.extBySection.get(f.section.name);
  if (!b || !ctx.ext) return { lineInfo, funcInfo, coreRelocations };
  for (let insn = 0; insn < f.count; insn++) {
    const slot = f.start + insn;
    for (const l of b.lineInfo.get(slot) ?? []) lineInfo.push({ insn, fileName: l.fileName, lineText: l.lineText, line: l.line, column: l.column });
    for (const fi of b.funcInfo.get(slot) ?? []) funcInfo.push({ insn, btfTypeId: fi.typeId, name: ctx.btf?.type(fi.typeId).name ?? '' });
    for (const c of b.coreRelos.get(slot) ?? []) coreRelocations.push({ insn, typeId: c.typeId, accessString: c.accessString, kind: c.kind });
  }
  return { lineInfo, funcInfo, coreRelocations };
}
