import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LDDW_OPCODE } from '@bpfleet/isa';
import { loadBpfObject } from './loader.js';
import { BpfMapType, type BpfObject, type BpfProgramSpec } from './object.js';
import { bpftoolBtf, buildDir, corpusObjects, hasTool, readelf, readelfCommand, readObject, repoRoot, skeletonNames, type ReadelfSection, type ReadelfSymbol, type RawBtfType } from './testing/corpus.js';

// Cross-checks the loader against what LLVM and bpftool (libbpf) independently say about each corpus object.
const corpus = corpusObjects();
const haveReadelf = readelfCommand() !== null;
const haveBpftool = hasTool('bpftool', ['version']);
if (corpus.length && !haveReadelf) console.log('llvm-readelf cross-checks skipped: no llvm-readelf with JSON output (LLVM 15+) installed');
if (corpus.length && !haveBpftool) console.log('bpftool cross-checks skipped: bpftool is not installed');
const CALL = 0x85;

const loaded = new Map<string, BpfObject>();
function load(file: string): BpfObject {
  let obj = loaded.get(file);
  if (!obj) loaded.set(file, (obj = loadBpfObject(readObject(file), { name: file })));
  return obj;
}

const readelfCache = new Map<string, ReturnType<typeof readelf>>();
function readelfOnce(file: string): ReturnType<typeof readelf> {
  let r = readelfCache.get(file);
  if (!r) readelfCache.set(file, (r = readelf(file)));
  return r;
}

/** Raw 8-byte slots of a function as they are in the file. */
function fileSlots(bytes: Uint8Array, section: ReadelfSection, sym: ReadelfSymbol): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = sym.value; o < sym.value + sym.size; o += 8) out.push(bytes.subarray(section.offset + o, section.offset + o + 8));
  return out;
}

/** Checks that `prog.insns[at..]` is the function's file code, apart from the fields relocation rewrites. */
function expectCodeAt(prog: BpfProgramSpec, at: number, slots: Uint8Array[]): void {
  let lddwSecond = false;
  slots.forEach((raw, i) => {
    const insn = prog.insns[at + i]!;
    expect(insn.opcode).toBe(raw[0]);
    expect(insn.dst).toBe(raw[1]! & 0x0f);
    expect(insn.offset).toBe(new DataView(raw.buffer, raw.byteOffset, 8).getInt16(2, true));
    const rewritable = lddwSecond || insn.opcode === LDDW_OPCODE || insn.opcode === CALL;
    if (!rewritable) {
      expect(insn.src).toBe(raw[1]! >> 4);
      expect(insn.imm).toBe(new DataView(raw.buffer, raw.byteOffset, 8).getInt32(4, true));
    }
    lddwSecond = insn.opcode === LDDW_OPCODE;
  });
}

function resolveRaw(types: Map<number, RawBtfType>, id: number): RawBtfType {
  let t = types.get(id)!;
  for (let i = 0; i < 64 && ['TYPEDEF', 'CONST', 'VOLATILE', 'RESTRICT', 'TYPE_TAG'].includes(t.kind); i++) t = types.get(Number(t.attrs['type_id']))!;
  return t;
}

function rawSize(types: Map<number, RawBtfType>, id: number): number {
  const t = resolveRaw(types, id);
  if (t.kind === 'PTR') return 8;
  if (t.kind === 'ARRAY') return Number(t.attrs['nr_elems']) * rawSize(types, Number(t.attrs['type_id']));
  return Number(t.attrs['size']);
}

describe('loadBpfObject on the corpus', () => {
  if (corpus.length === 0) it.skip('needs tests/bpf/build (run bash tests/bpf/build.sh)', () => undefined);

  describe.each(corpus)('%s', (file) => {
    const withReadelf = haveReadelf ? it : it.skip;
    const withBpftool = haveBpftool ? it : it.skip;

    withReadelf('has one program per function symbol in each program section, with the file code linked to its callees', () => {
      const obj = load(file);
      const bytes = readObject(file);
      const { sections, symbols } = readelfOnce(file);
      const exec = sections.filter((s) => s.type === 'SHT_PROGBITS' && (s.flags & 4) !== 0 && s.size > 0);
      const funcs = symbols.filter((s) => s.type === 'Function' && s.size > 0);
      const expected = funcs
        .filter((s) => exec.some((e) => e.index === s.sectionIndex && e.name !== '.text'))
        .sort((a, b) => a.sectionIndex - b.sectionIndex || a.value - b.value)
        .map((s) => ({ name: s.name, section: sections[s.sectionIndex]!.name }));
      expect(obj.programs.map((p) => ({ name: p.name, section: p.section }))).toEqual(expected);

      for (const prog of obj.programs) {
        const main = funcs.find((s) => s.name === prog.name)!;
        expectCodeAt(prog, 0, fileSlots(bytes, sections[main.sectionIndex]!, main));
        // Every call/function-address reference lands on the start of the named function's code.
        const placed = new Map<string, number>([[prog.name, 0]]);
        for (const ref of prog.references) {
          if (ref.kind !== 'subprog' && ref.kind !== 'func_addr') continue;
          expect(prog.insns[ref.insn]!.imm).toBe(ref.target - ref.insn - 1);
          expect(prog.insns[ref.insn]!.src).toBe(ref.kind === 'subprog' ? 1 : 4);
          if (placed.has(ref.name)) expect(placed.get(ref.name)).toBe(ref.target);
          placed.set(ref.name, ref.target);
          const callee = funcs.find((s) => s.name === ref.name)!;
          expectCodeAt(prog, ref.target, fileSlots(bytes, sections[callee.sectionIndex]!, callee));
        }
        const linkedSize = [...placed.keys()].reduce((n, name) => n + funcs.find((s) => s.name === name)!.size / 8, 0);
        expect(prog.insns.length).toBe(linkedSize);
      }
    });

    withReadelf('gives global-data maps the section bytes and sizes', () => {
      const obj = load(file);
      const bytes = readObject(file);
      const { sections } = readelfOnce(file);
      for (const m of obj.maps.filter((x) => x.origin === 'data' || x.origin === 'rodata' || x.origin === 'bss')) {
        const s = sections.find((x) => x.name === m.section)!;
        expect(m.valueSize).toBe(s.size);
        expect(m.type).toBe(BpfMapType.ARRAY);
        expect(m.maxEntries).toBe(1);
        const want = s.type === 'SHT_NOBITS' ? new Uint8Array(s.size) : bytes.subarray(s.offset, s.offset + s.size);
        expect(Buffer.from(m.initialData!).equals(Buffer.from(want))).toBe(true);
      }
    });

    withBpftool('names maps and programs as libbpf does (bpftool gen skeleton)', () => {
      const skel = skeletonNames(file, file.slice(0, file.indexOf('.')));
      if (!skel) return; // libbpf refuses the object (legacy `maps` section): nothing to compare
      const obj = load(file);
      // libbpf lists maps in creation order; inner map templates are not separate maps there.
      expect(obj.maps.map((m) => m.name)).toEqual(skel.maps);
      expect(obj.programs.map((p) => p.name).sort()).toEqual([...skel.progs].sort());
    });

    withBpftool('reads BTF map definitions the way bpftool reads the BTF', () => {
      const obj = load(file);
      const types = bpftoolBtf(file);
      const datasec = [...types.values()].find((t) => t.kind === 'DATASEC' && t.name === '.maps');
      for (const m of obj.maps.filter((x) => x.origin === 'btf')) {
        const entry = datasec!.entries.find((e) => e.name === m.name)!;
        const variable = types.get(Number(entry.attrs['type_id']))!;
        const def = resolveRaw(types, Number(variable.attrs['type_id']));
        const member = (n: string) => def.entries.find((e) => e.name === n);
        const uint = (n: string) => {
          const mem = member(n);
          if (!mem) return 0;
          const arr = resolveRaw(types, Number(resolveRaw(types, Number(mem.attrs['type_id'])).attrs['type_id']));
          return Number(arr.attrs['nr_elems']);
        };
        const typed = (n: string) => {
          const mem = member(n);
          return mem ? rawSize(types, Number(resolveRaw(types, Number(mem.attrs['type_id'])).attrs['type_id'])) : undefined;
        };
        expect(m.type).toBe(uint('type'));
        expect(m.maxEntries).toBe(uint('max_entries'));
        expect(m.flags).toBe(uint('map_flags'));
        expect(m.pinning).toBe(uint('pinning'));
        expect(m.keySize).toBe(typed('key') ?? (member('values') ? 4 : uint('key_size')));
        expect(m.valueSize).toBe(typed('value') ?? (member('values') ? 4 : uint('value_size')));
      }
    });

    it('points line info at the source line it quotes', () => {
      const obj = load(file);
      let checked = 0;
      for (const prog of obj.programs) {
        for (const li of prog.lineInfo) {
          expect(li.insn).toBeLessThan(prog.insns.length);
          const source = path.isAbsolute(li.fileName) ? li.fileName : path.join(repoRoot, li.fileName);
          if (li.line === 0 || !existsSync(source) || !source.startsWith(path.join(repoRoot, 'tests/bpf'))) continue;
          const lines = readFileSync(source, 'utf8').split('\n');
          expect(lines[li.line - 1]).toBe(li.lineText);
          checked++;
        }
        // func info marks the entry and the start of every linked subprogram
        const starts = prog.references.filter((r) => r.kind === 'subprog' || r.kind === 'func_addr').map((r) => (r as { target: number }).target);
        for (const s of new Set(starts)) expect(prog.funcInfo.some((fi) => fi.insn === s)).toBe(true);
        if (prog.funcInfo.length) expect(prog.funcInfo[0]!.insn).toBe(0);
      }
      if (obj.programs.some((p) => p.lineInfo.length > 0)) expect(checked).toBeGreaterThan(0);
    });
  });

  it('found the corpus it was meant to check', () => {
    if (corpus.length === 0) return;
    expect(existsSync(buildDir)).toBe(true);
    expect(corpus.length).toBeGreaterThan(10);
  });
});
