import { Option } from 'commander';
import { ElfError, loadBpfObject, objectNameFromPath, progTypeName, type BpfProgramSpec } from '@bpfleet/elf';
import { branchTargetLabels, checkInstruction, decodeInstructions, formatInstruction, InstructionDecodeError, type DisasmStyle, type Instruction } from '@bpfleet/isa';
import { HELPER_NAMES } from '@bpfleet/vm';
import { RefusedError, UsageError } from '../errors.js';
import { readInputFile } from '../io.js';
import type { RegisterCommand } from './index.js';

interface DisasmOptions {
  program?: string;
  json?: boolean;
  style: DisasmStyle;
  alu32?: boolean;
  source?: boolean;
  labels?: boolean;
}

/** A program to print: from an ELF object, or the whole file when it is raw bytecode. */
interface Listing {
  readonly name: string;
  readonly section: string;
  readonly insns: readonly Instruction[];
  readonly spec?: BpfProgramSpec;
  /** Map names of the object, by index (what map references point at). */
  readonly maps: readonly string[];
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
const LDDW = 0x18;

/** `bpfleet disasm FILE.o [--program NAME] [--json]` */
export const registerDisasm: RegisterCommand = (program, io) => {
  program
    .command('disasm')
    .description('disassemble the programs of a BPF ELF object (or raw bytecode) like llvm-objdump -d')
    .argument('<file>', 'ELF object from clang -target bpf, or raw bytecode')
    .option('--program <name>', 'only this program (function name or section)')
    .option('--json', 'print JSON: programs with their instructions (fields and text)')
    .addOption(new Option('--style <style>', 'syntax of the text').choices(['llvm', 'conformance']).default('llvm'))
    .option('--alu32', 'LLVM style: w registers for 32-bit loads, stores and atomics (llvm-objdump --mattr=+alu32)')
    .option('--source', 'print the C source line (BTF line info) before its instructions')
    .option('--labels', 'name branch targets (L<index>) and branch to them by name, for text to edit and reassemble')
    .action(async (file: string, opts: DisasmOptions) => {
      const bytes = await readInputFile(file);
      const { object, listings } = load(file, bytes);
      const selected = opts.program ? listings.filter((l) => l.name === opts.program || l.section === opts.program) : listings;
      if (opts.program && selected.length === 0) {
        throw new UsageError(`no program '${opts.program}' in ${file} (programs: ${listings.map((l) => l.name).join(', ') || 'none'})`);
      }
      const style = { style: opts.style, alu32: opts.alu32 ?? false, labels: opts.labels ?? false };
      if (opts.json) {
        const programs = selected.map((l) => ({
          name: l.name,
          section: l.section,
          ...(l.spec ? { type: progTypeName(l.spec.type) } : {}),
          insns: lines(l, style).map((x) => ({ index: x.index, ...(x.label ? { label: x.label } : {}), text: x.text, ...fields(l.insns[x.index]!) })),
        }));
        io.out(JSON.stringify({ object, programs }, null, 2));
        return;
      }
      const out: string[] = [];
      for (const l of selected) {
        out.push(`${out.length ? '\n' : ''}${l.section} ${l.name}:`);
        const source = new Map(opts.source && l.spec ? l.spec.lineInfo.map((li) => [li.insn, li.lineText.trim()] as const) : []);
        let lastSource: string | undefined;
        for (const x of lines(l, style)) {
          // Like objdump -S: a source line once, where it starts.
          const src = source.get(x.index);
          if (src && src !== lastSource) out.push(`; ${src}`);
          if (src) lastSource = src;
          if (x.label) out.push(`${x.label}:`);
          out.push(`${String(x.index).padStart(8)}:\t${x.text}`);
        }
      }
      io.out(out.join('\n'));
    });
};

function load(file: string, bytes: Uint8Array): { object: string; listings: Listing[] } {
  const isElf = ELF_MAGIC.every((b, i) => bytes[i] === b);
  try {
    if (!isElf) {
      const name = objectNameFromPath(file);
      return { object: name, listings: [{ name, section: 'raw', insns: decodeInstructions(bytes), maps: [] }] };
    }
    const obj = loadBpfObject(bytes, { name: file });
    return { object: obj.name, listings: obj.programs.map((p) => ({ name: p.name, section: p.section, insns: p.insns, spec: p, maps: obj.maps.map((m) => m.name) })) };
  } catch (e) {
    if (e instanceof ElfError || e instanceof InstructionDecodeError) throw new RefusedError(`${file}: ${e.message}`);
    throw e;
  }
}

/** Text of every instruction; invalid ones print as `<invalid: why>` instead of stopping the listing. */
function lines(l: Listing, style: { style: DisasmStyle; alu32: boolean; labels: boolean }): { index: number; text: string; label?: string }[] {
  const out: { index: number; text: string; label?: string }[] = [];
  const labelOf = style.labels ? branchTargetLabels(l.insns) : undefined;
  for (let i = 0; i < l.insns.length; i++) {
    const insn = l.insns[i]!;
    const problem = checkInstruction(insn);
    if (problem || (insn.opcode === LDDW && i + 1 >= l.insns.length)) {
      out.push({ index: i, text: `<invalid: ${problem?.detail ?? 'lddw without its second slot'}>` });
      continue;
    }
    const text = formatInstruction(l.insns, i, style, labelOf) + annotation(l, i);
    const label = labelOf?.(i);
    out.push(label ? { index: i, text, label } : { index: i, text });
    if (insn.opcode === LDDW) i++;
  }
  return out;
}

/** A comment naming what the instruction refers to: a helper, a map, a global, a subprogram, a kfunc. */
function annotation(l: Listing, i: number): string {
  const insn = l.insns[i]!;
  if (insn.opcode === 0x85 && insn.src === 0 && HELPER_NAMES[insn.imm] !== undefined && insn.imm > 0) return ` # bpf_${HELPER_NAMES[insn.imm]}`;
  const ref = l.spec?.references.find((r) => r.insn === i);
  if (!ref) return '';
  switch (ref.kind) {
    case 'map':
      return ` # map ${l.maps[ref.mapIndex] ?? ref.mapIndex}`;
    case 'map_value':
      return ` # &${l.maps[ref.mapIndex] ?? ref.mapIndex}[${ref.offset}]`;
    case 'subprog':
      return ` # ${ref.name}`;
    case 'func_addr':
      return ` # &${ref.name}`;
    case 'kfunc':
      return ` # kfunc ${ref.name}`;
    case 'extern':
      return ` # extern ${ref.name}`;
  }
}

function fields(insn: Instruction): Record<string, number | string> {
  const f: Record<string, number | string> = { opcode: insn.opcode, dst: insn.dst, src: insn.src, offset: insn.offset, imm: insn.imm };
  if (insn.imm64 !== undefined) f['imm64'] = `0x${insn.imm64.toString(16)}`;
  return f;
}
