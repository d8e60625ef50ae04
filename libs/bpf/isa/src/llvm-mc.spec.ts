import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { encodeInstructions } from './codec.js';
import { disassembleText } from './disasm.js';
import type { Instruction } from './instruction.js';
import { validUnit } from './testing/arbitrary.js';
import { allForms, formOf } from './testing/forms.js';

/**
 * The other direction of the llvm-objdump comparison: text we print in LLVM syntax must mean the
 * same bytes to LLVM's own assembler. Random valid instructions are printed (alu32 style), assembled
 * by llvm-mc-19, and the object's bytes (read back through llvm-objdump) compared with ours.
 * Forms LLVM has no syntax for (call kinds, pseudo lddw halves, LD_IND imm) are left out.
 */
function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const tools = hasTool('llvm-mc-19') && hasTool('llvm-objdump-19');
if (!tools) console.log('llvm-mc comparison skipped: llvm-mc-19 or llvm-objdump-19 is not installed');

/** True when LLVM's syntax can say exactly this instruction. */
function llvmExpressible(unit: Instruction[]): boolean {
  const [insn] = unit as [Instruction];
  if (insn.opcode === 0x85 && insn.src !== 0) return false;
  if (insn.opcode === 0x18 && insn.src !== 0 && unit[1]!.imm !== 0) return false;
  if ((insn.opcode & 0xe7) === 0x40 && insn.imm !== 0) return false; // LD_IND imm
  // llvm-mc 19 parses a numeric gotol target as a 16-bit integer, though the field holds 32 bits.
  if (insn.opcode === 0x06 && (insn.imm < -0x8000 || insn.imm > 0x7fff)) return false;
  return true;
}

(tools ? describe : describe.skip)('LLVM syntax vs llvm-mc-19', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bpfleet-mc-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('llvm-mc assembles our text to the same bytes', () => {
    const units = fc.sample(validUnit.filter(llvmExpressible), { numRuns: 1500, seed: 9669 });
    const insns = units.flat();
    const source = path.join(dir, 'random.s');
    const object = path.join(dir, 'random.o');
    writeFileSync(source, disassembleText(insns, { alu32: true }));
    execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-mattr=+alu32', '-filetype=obj', source, '-o', object]);
    const dump = execFileSync('llvm-objdump-19', ['-d', object], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const theirs = [...dump.matchAll(/^\s*\d+:\t((?:[0-9a-f]{2} ?)+)\t/gm)].map((m) => m[1]!.trim()).join(' ');
    const ours = Buffer.from(encodeInstructions(insns)).toString('hex').replace(/(..)(?!$)/g, '$1 ');
    // Point at the first differing slot for a readable failure.
    const a = ours.split(' ');
    const b = theirs.split(' ');
    const firstDiff = a.findIndex((x, k) => x !== b[k]);
    const slot = firstDiff < 0 ? -1 : Math.floor(firstDiff / 8);
    expect({ slot, text: slot < 0 ? '' : disassembleText([insns[slot]!], { alu32: true }) }).toEqual({ slot: -1, text: '' });
    expect(b.length).toBe(a.length);
    const forms = new Set(units.map((u) => formOf(u[0]!)));
    console.log(`llvm-mc-19 reassembled ${units.length} random instructions (${insns.length} slots, ${forms.size} of ${allForms().size} forms) to identical bytes`);
  });
});
