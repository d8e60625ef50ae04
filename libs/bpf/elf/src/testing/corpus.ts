// Test helpers: the compiled corpus and independent views of it from LLVM and bpftool.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../../../../..');
export const buildDir = path.join(repoRoot, 'tests/bpf/build');

/** Every compiled corpus object (empty when tests/bpf/build.sh has not run). */
export function corpusObjects(): string[] {
  return existsSync(buildDir) ? readdirSync(buildDir).filter((f) => f.endsWith('.o')).sort() : [];
}

export function readObject(file: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(buildDir, file)));
}

export function hasTool(cmd: string, args: string[] = ['--version']): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface ReadelfSection {
  readonly index: number;
  readonly name: string;
  readonly type: string;
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
}
export interface ReadelfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly type: string;
  readonly binding: string;
  readonly sectionIndex: number;
}

let readelfTool: string | null | undefined;

/** The first installed llvm-readelf whose JSON output has the shape LLVM 15+ prints (null if none). */
export function readelfCommand(): string | null {
  if (readelfTool !== undefined) return readelfTool;
  readelfTool = null;
  const probe = corpusObjects()[0];
  for (const cmd of ['llvm-readelf-21', 'llvm-readelf-20', 'llvm-readelf-19', 'llvm-readelf-18', 'llvm-readelf-17', 'llvm-readelf-16', 'llvm-readelf-15', 'llvm-readelf']) {
    if (!probe) break;
    try {
      const out = JSON.parse(execFileSync(cmd, ['--elf-output-style=JSON', '-S', path.join(buildDir, probe)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as unknown;
      if (Array.isArray(out) && (out[0] as { Sections?: unknown } | undefined)?.Sections) {
        readelfTool = cmd;
        break;
      }
    } catch {
      // not installed, or an older JSON layout
    }
  }
  return readelfTool;
}

/** `llvm-readelf --elf-output-style=JSON -S -s`. */
export function readelf(file: string): { sections: ReadelfSection[]; symbols: ReadelfSymbol[] } {
  const out = execFileSync(readelfCommand()!, ['--elf-output-style=JSON', '-S', '-s', path.join(buildDir, file)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  interface Raw {
    Sections: { Section: { Index: number; Name: { Name: string }; Type: { Name: string }; Flags: { Value: number }; Offset: number; Size: number } }[];
    Symbols: { Symbol: { Name: { Name: string }; Value: number; Size: number; Type: { Name: string }; Binding: { Name: string }; Section: { Value: number } } }[];
  }
  const [raw] = JSON.parse(out) as Raw[];
  return {
    sections: raw!.Sections.map(({ Section: s }) => ({ index: s.Index, name: s.Name.Name, type: s.Type.Name, flags: s.Flags.Value, offset: s.Offset, size: s.Size })),
    symbols: raw!.Symbols.map(({ Symbol: s }) => ({ name: s.Name.Name, value: s.Value, size: s.Size, type: s.Type.Name, binding: s.Binding.Name, sectionIndex: s.Section.Value })),
  };
}

/** A type as `bpftool btf dump file X format raw` prints it. */
export interface RawBtfType {
  readonly id: number;
  readonly kind: string;
  readonly name: string;
  readonly attrs: Record<string, string>;
  /** Member / param / datasec entry lines, each as key=value attributes plus a quoted name. */
  readonly entries: { name: string; attrs: Record<string, string> }[];
}

function attrs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)=([^\s,)]+)/g)) out[m[1]!] = m[2]!;
  return out;
}

/** bpftool's own BTF parse of the object, as an independent reference. */
export function bpftoolBtf(file: string): Map<number, RawBtfType> {
  const out = execFileSync('bpftool', ['btf', 'dump', 'file', path.join(buildDir, file), 'format', 'raw'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const types = new Map<number, RawBtfType>();
  let current: RawBtfType | undefined;
  for (const line of out.split('\n')) {
    const head = /^\[(\d+)\] (\w+) '([^']*)'(.*)$/.exec(line);
    if (head) {
      current = { id: Number(head[1]), kind: head[2]!, name: head[3]!, attrs: attrs(head[4]!), entries: [] };
      types.set(current.id, current);
    } else if (current && line.startsWith('\t')) {
      const name = /'([^']*)'/.exec(line)?.[1] ?? '';
      current.entries.push({ name, attrs: attrs(line) });
    }
  }
  return types;
}

/** Program and map names in libbpf's order, from the skeleton bpftool generates (undefined if libbpf refuses the object). */
export function skeletonNames(file: string, objectName: string): { maps: string[]; progs: string[] } | undefined {
  let out: string;
  try {
    out = execFileSync('bpftool', ['gen', 'skeleton', path.join(buildDir, file), 'name', objectName], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
  } catch {
    return undefined;
  }
  const pick = (what: string) => [...out.matchAll(new RegExp(`s->${what}\\[\\d+\\]\\.name = "([^"]+)";`, 'g'))].map((m) => m[1]!);
  return { maps: pick('maps'), progs: pick('progs') };
}
