import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from './assembler.js';
import { decodeInstructions, encodeInstructions } from './codec.js';
import { formatInstruction, type DisasmOptions } from './disasm.js';
import { allForms, formOf } from './testing/forms.js';

/**
 * Compares the disassembler with llvm-objdump on the clang-compiled corpus (tests/bpf/build):
 * every instruction line objdump prints, with its address, bytes and `<symbol+off>` suffix
 * stripped, must equal ours for the same bytes, and our assembler must turn that text back into the
 * bytes. llvm-objdump-19 (hex) is the reference style;
 * llvm-objdump 14 (decimal) is checked too on objects it can read.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const buildDir = path.join(repoRoot, 'tests/bpf/build');

function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const objects = existsSync(buildDir) ? readdirSync(buildDir).filter((f) => f.endsWith('.o')).sort() : [];
const objdump19 = hasTool('llvm-objdump-19');
const objdump14 = hasTool('llvm-objdump-14') ? 'llvm-objdump-14' : undefined;
const skipReason = !objdump19 ? 'llvm-objdump-19 is not installed' : objects.length === 0 ? `no objects in ${buildDir} (run: bash tests/bpf/build.sh)` : undefined;
if (skipReason) console.log(`llvm-objdump comparison skipped: ${skipReason}`);
const describeObjdump = skipReason ? describe.skip : describe;

const LINE = /^\s*(\d+):\t((?:[0-9a-f]{2} ?)+)\t(.*)$/;
const FILE = /^(.*\.o):\s+file format/;

interface Comparison {
  compared: number;
  unknown: number;
  llvmDefect: number;
  /** LLVM text lines assembled back to their bytes. */
  assembled: number;
  mismatches: string[];
  /** Instruction forms compared (see testing/forms.ts). */
  forms: Set<string>;
}

/** Runs objdump once over all objects and compares every instruction line with our text. */
function compare(tool: string, mattr: string[], options: DisasmOptions, into: Comparison, only = objects): void {
  const files = only.map((o) => path.join(buildDir, o));
  const out = execFileSync(tool, ['-d', ...mattr, ...files], { encoding: 'utf8', maxBuffer: 256 << 20 });
  let object = '';
  for (const line of out.split('\n')) {
    const f = FILE.exec(line);
    if (f) object = path.basename(f[1]!);
    const m = LINE.exec(line);
    if (!m) continue;
    if (m[3]!.trim() === '<unknown>') {
      into.unknown++;
      continue;
    }
    const theirs = m[3]!.replace(/\s+<[^<>]*>$/, '').trim();
    const bytes = Uint8Array.from(m[2]!.trim().split(' ').map((b) => parseInt(b, 16)));
    // Known llvm-objdump defect: without alu32 it decodes every 32-bit atomic (0xc3) as the old
    // non-fetching add, whatever imm says. The --mattr=+alu32 run checks those instructions.
    if (!options.alu32 && bytes[0] === 0xc3 && bytes[4] !== 0) {
      into.llvmDefect++;
      continue;
    }
    const insns = decodeInstructions(bytes);
    const ours = formatInstruction(insns, 0, { ...options, exact: true });
    into.compared++;
    into.forms.add(formOf(insns[0]!));
    if (ours !== theirs) into.mismatches.push(`${object}:${m[1]} ${m[2]!.trim()}: llvm '${theirs}' ours '${ours}'`);
    // The other direction: LLVM's own text assembles to the bytes, except where LLVM drops the
    // call kind (a bpf-to-bpf call prints as `call -0x1`).
    if (insns[0]!.opcode === 0x85 && insns[0]!.src !== 0) continue;
    const back = Buffer.from(encodeInstructions(assemble(theirs))).toString('hex');
    into.assembled++;
    if (back !== Buffer.from(bytes).toString('hex')) into.mismatches.push(`${object}:${m[1]} '${theirs}' assembles to ${back}`);
  }
}

describeObjdump('disassembler vs llvm-objdump', () => {
  it('matches llvm-objdump-19 on every instruction of the corpus (plain and --mattr=+alu32)', () => {
    const plain: Comparison = { compared: 0, unknown: 0, llvmDefect: 0, assembled: 0, mismatches: [], forms: new Set<string>() };
    const alu32: Comparison = { compared: 0, unknown: 0, llvmDefect: 0, assembled: 0, mismatches: [], forms: new Set<string>() };
    compare('llvm-objdump-19', [], {}, plain);
    compare('llvm-objdump-19', ['--mattr=+alu32'], { alu32: true }, alu32);
    console.log(
      `llvm-objdump-19 on ${objects.length} objects: ${plain.compared} lines equal=${plain.compared - plain.mismatches.length}, ` +
        `alu32 ${alu32.compared} lines equal=${alu32.compared - alu32.mismatches.length}, <unknown> to llvm: ${plain.unknown + alu32.unknown}, misdecoded by llvm without alu32: ${plain.llvmDefect}; llvm's text assembled back to the same bytes: ${plain.assembled + alu32.assembled} lines`,
    );
    const all = allForms();
    const seen = new Set([...plain.forms, ...alu32.forms]);
    console.log(`instruction forms compared with llvm-objdump-19: ${seen.size} of ${all.size}; not in the corpus: ${[...all].filter((f) => !seen.has(f)).sort().join(' ')}`);
    expect(plain.mismatches.slice(0, 20)).toEqual([]);
    expect(alu32.mismatches.slice(0, 20)).toEqual([]);
    expect(plain.compared).toBeGreaterThan(1000);
  });

  (objdump14 ? it : it.skip)('matches llvm-objdump 14 (decimal style) on the objects built for cpu v1-v3', () => {
    // LLVM 14 predates cpu v4: it reads sdiv/movsx as div/mov, so v4 objects are left out.
    const older = objects.filter((o) => !o.endsWith('.v4.o'));
    const cmp: Comparison = { compared: 0, unknown: 0, llvmDefect: 0, assembled: 0, mismatches: [], forms: new Set<string>() };
    compare(objdump14!, [], { radix: 10 }, cmp, older);
    console.log(`llvm-objdump-14 on ${older.length} objects: ${cmp.compared} lines equal=${cmp.compared - cmp.mismatches.length}, <unknown> to llvm-14: ${cmp.unknown}, misdecoded: ${cmp.llvmDefect}`);
    expect(cmp.mismatches.slice(0, 20)).toEqual([]);
  });
});
