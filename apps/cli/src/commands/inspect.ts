import { BtfKind, formatDefinition, formatType, parseBtf, type Btf } from '@bpfleet/btf';
import { BpfAttach, ElfError, loadBpfObject, mapTypeName, progTypeName, type BpfMapSpec, type BpfObject, type BpfProgramSpec } from '@bpfleet/elf';
import { RefusedError } from '../errors.js';
import { readInputFile } from '../io.js';
import type { RegisterCommand } from './index.js';

interface InspectOptions {
  json?: boolean;
}

/** `bpfleet inspect FILE.o [--json]`: programs, maps, license and BTF of a BPF object. */
export const registerInspect: RegisterCommand = (program, io) => {
  program
    .command('inspect')
    .description('show the programs, maps, license and BTF of a BPF ELF object')
    .argument('<file>', 'ELF object from clang -target bpf')
    .option('--json', 'print JSON instead of tables')
    .action(async (file: string, opts: InspectOptions) => {
      const bytes = await readInputFile(file);
      let object: BpfObject;
      try {
        object = loadBpfObject(bytes, { name: file });
      } catch (e) {
        if (e instanceof ElfError) throw new RefusedError(`${file}: ${e.message}`);
        throw e;
      }
      const report = describeObject(object);
      io.out(opts.json ? JSON.stringify(report, null, 2) : renderText(report));
    });
};

export interface ProgramReport {
  name: string;
  section: string;
  /** libbpf's program type name: `xdp`, `tracepoint`, `sched_cls`, ... */
  type: string;
  insns: number;
  attachType?: string;
  attachTarget?: string;
  sleepable: boolean;
  autoload: boolean;
  /** Functions linked into the program (the entry first, then subprograms). */
  functions: string[];
  /** Names of the maps the program references. */
  maps: string[];
  lineInfo: number;
  coreRelocations: number;
}

export interface MapReport {
  name: string;
  /** libbpf's map type name: `hash`, `array`, `ringbuf`, ... */
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  origin: string;
  section: string;
  pinning: number;
  keyType?: string;
  valueType?: string;
  innerMap?: MapReport;
  /** Initialised slots of a map-in-map / prog array: slot → map or program name. */
  initialSlots?: { slot: number; map?: string; program?: string }[];
}

export interface InspectReport {
  object: string;
  license: string;
  kernelVersion: number;
  programs: ProgramReport[];
  maps: MapReport[];
  btf: { types: number; ext: boolean; lineInfo: boolean; funcInfo: boolean; coreRelocations: number } | null;
}

export function describeObject(object: BpfObject): InspectReport {
  const btf = object.btfBytes ? parseBtf(object.btfBytes) : undefined;
  return {
    object: object.name,
    license: object.license,
    kernelVersion: object.kernelVersion,
    programs: object.programs.map((p) => describeProgram(p, object)),
    maps: object.maps.map((m) => describeMap(m, btf, object)),
    btf: btf
      ? {
          types: btf.count - 1,
          ext: object.btfExtBytes !== undefined,
          lineInfo: object.programs.some((p) => p.lineInfo.length > 0),
          funcInfo: object.programs.some((p) => p.funcInfo.length > 0),
          coreRelocations: object.programs.reduce((n, p) => n + p.coreRelocations.length, 0),
        }
      : null,
  };
}

function describeProgram(p: BpfProgramSpec, object: BpfObject): ProgramReport {
  const maps = new Set<string>();
  for (const r of p.references) if (r.kind === 'map' || r.kind === 'map_value') maps.add(object.maps[r.mapIndex]?.name ?? `#${r.mapIndex}`);
  const functions = p.funcInfo.length ? p.funcInfo.map((f) => f.name) : [p.name, ...new Set(p.references.flatMap((r) => (r.kind === 'subprog' || r.kind === 'func_addr' ? [r.name] : [])))];
  return {
    name: p.name,
    section: p.section,
    type: progTypeName(p.type),
    insns: p.insns.length,
    ...(p.expectedAttachType !== undefined && { attachType: (BpfAttach[p.expectedAttachType] ?? String(p.expectedAttachType)).toLowerCase() }),
    ...(p.attachTarget !== undefined && { attachTarget: p.attachTarget }),
    sleepable: p.sleepable,
    autoload: p.autoload ?? true,
    functions,
    maps: [...maps],
    lineInfo: p.lineInfo.length,
    coreRelocations: p.coreRelocations.length,
  };
}

/** A BTF type in C: named structs/unions/enums with their body, everything else as a type expression. */
function cType(btf: Btf | undefined, id: number): string | undefined {
  if (!btf || id === 0) return undefined;
  try {
    const t = btf.resolve(id);
    const named = (t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION || t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64) && t.name !== '';
    return named || t.kind === BtfKind.DATASEC ? formatDefinition(btf, t.id) : formatType(btf, id);
  } catch {
    return undefined;
  }
}

function describeMap(m: BpfMapSpec, btf: Btf | undefined, object: BpfObject): MapReport {
  const keyType = cType(btf, m.btfKeyTypeId);
  const valueType = cType(btf, m.btfValueTypeId);
  return {
    name: m.name,
    type: mapTypeName(m.type),
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
    flags: m.flags,
    origin: m.origin,
    section: m.section,
    pinning: m.pinning,
    ...(keyType !== undefined && { keyType }),
    ...(valueType !== undefined && { valueType }),
    ...(m.innerMap && { innerMap: describeMap(m.innerMap, btf, object) }),
    ...(m.initialSlots && {
      initialSlots: m.initialSlots.map((s) => (s.kind === 'map' ? { slot: s.slot, map: object.maps[s.mapIndex]?.name ?? `#${s.mapIndex}` } : { slot: s.slot, program: s.program })),
    }),
  };
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

export function renderText(r: InspectReport): string {
  const out: string[] = [`object: ${r.object}`, `license: ${r.license || '(none)'}`];
  if (r.kernelVersion) out.push(`kernel version: 0x${r.kernelVersion.toString(16)}`);
  out.push(
    r.btf
      ? `btf: ${r.btf.types} types, .BTF.ext ${r.btf.ext ? 'present' : 'absent'}, line info ${r.btf.lineInfo ? 'present' : 'absent'}, func info ${r.btf.funcInfo ? 'present' : 'absent'}, ${r.btf.coreRelocations} CO-RE relocations`
      : 'btf: absent',
  );
  out.push('', `programs (${r.programs.length}):`);
  out.push(
    ...table(
      ['NAME', 'SECTION', 'TYPE', 'ATTACH', 'INSNS', 'FUNCTIONS'],
      r.programs.map((p) => [
        p.name,
        p.section,
        p.type + (p.sleepable ? ' (sleepable)' : ''),
        [p.attachType, p.attachTarget].filter(Boolean).join(' ') || '-',
        String(p.insns),
        p.functions.join(', '),
      ]),
    ),
  );
  out.push('', `maps (${r.maps.length}):`);
  out.push(
    ...table(
      ['NAME', 'TYPE', 'KEY', 'VALUE', 'MAX', 'FLAGS', 'ORIGIN'],
      r.maps.map((m) => [m.name, m.type, String(m.keySize), String(m.valueSize), String(m.maxEntries), `0x${m.flags.toString(16)}`, m.origin + (m.pinning ? ' pinned' : '')]),
    ),
  );
  const typed = r.maps.filter((m) => m.keyType || m.valueType || m.innerMap || m.initialSlots);
  if (typed.length) {
    out.push('', 'map types:');
    for (const m of typed) {
      out.push(`  ${m.name}:`);
      if (m.keyType) out.push(`    key:   ${m.keyType}`);
      if (m.valueType) out.push(`    value: ${m.valueType}`);
      if (m.innerMap) out.push(`    inner: ${m.innerMap.type} key ${m.innerMap.keySize} value ${m.innerMap.valueSize} max ${m.innerMap.maxEntries}`);
      if (m.initialSlots) out.push(`    slots: ${m.initialSlots.map((s) => `[${s.slot}] = ${s.map ?? s.program}`).join(', ')}`);
    }
  }
  return out.join('\n');
}
