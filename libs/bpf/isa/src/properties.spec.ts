import fc from 'fast-check';
import { assemble, AssemblyError } from './assembler.js';
import { decodeInstructions, encodeInstructions, InstructionDecodeError } from './codec.js';
import { ConformanceFormatError, parseConformanceFile } from './conformance.js';
import { disassemble, disassembleText } from './disasm.js';
import { InvalidInstructionError } from './errors.js';
import { checkInstruction, validateInstruction, validateProgram } from './validate.js';
import { validInstructions, validUnit } from './testing/arbitrary.js';

/** FUZZ_RUNS raises the fuzzing runs for a longer local hunt. */
const fuzzRuns = Number(process.env.FUZZ_RUNS ?? 2000);
const typed = (e: unknown): boolean => e instanceof AssemblyError || e instanceof InvalidInstructionError || e instanceof InstructionDecodeError;

describe('isa properties', () => {
  it('accepts every generated valid instruction', () => {
    fc.assert(fc.property(validUnit, (unit) => validateInstruction(unit[0]!)), { numRuns: 2000 });
  });

  it('round-trips encode/decode over valid instructions', () => {
    fc.assert(
      fc.property(validInstructions(), (insns) => {
        expect(decodeInstructions(encodeInstructions(insns))).toEqual(insns);
      }),
      { numRuns: 400 },
    );
  });

  for (const style of ['llvm', 'conformance'] as const) {
    for (const alu32 of style === 'llvm' ? [false, true] : [false]) {
      it(`round-trips disassemble -> assemble in ${style} syntax${alu32 ? ' (alu32)' : ''}, with offsets and with labels`, () => {
        fc.assert(
          fc.property(validInstructions(), fc.boolean(), (insns, labels) => {
            const text = disassembleText(insns, { style, alu32, labels });
            expect(encodeInstructions(assemble(text))).toEqual(encodeInstructions(insns));
          }),
          { numRuns: 400 },
        );
      });
    }
  }

  it('round-trips every slot the validator accepts, in both syntaxes (validator and syntaxes agree)', () => {
    const field = (bits: number) => fc.oneof(fc.constant(0), fc.constantFrom(1, 8, 16, 32, 64, 0xe1, 0xf1), fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 }));
    const slot = fc.record({ opcode: fc.integer({ min: 0, max: 255 }).filter((o) => o !== 0x18), dst: fc.integer({ min: 0, max: 15 }), src: fc.integer({ min: 0, max: 15 }), offset: field(16), imm: field(32) });
    let accepted = 0;
    fc.assert(
      fc.property(slot, (insn) => {
        if (checkInstruction(insn)) return;
        accepted++;
        for (const style of ['llvm', 'conformance'] as const) {
          expect(encodeInstructions(assemble(disassembleText([insn], { style })))).toEqual(encodeInstructions([insn]));
        }
      }),
      { numRuns: fuzzRuns * 3 },
    );
    expect(accepted).toBeGreaterThan(fuzzRuns / 50);
  });

  it('gives random bytes only typed errors from the decoder, validator and disassembler', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        try {
          const insns = decodeInstructions(bytes);
          validateProgram(insns, { entryRegisters: [1, 10] });
          disassemble(insns, { style: 'llvm' });
          disassemble(insns, { style: 'conformance' });
        } catch (e) {
          if (!typed(e)) throw e;
        }
      }),
      { numRuns: fuzzRuns },
    );
  });

  it('gives random text only ConformanceFormatError from the .data reader', () => {
    const sectioned = fc.array(fc.oneof(fc.constantFrom('-- asm', '-- raw', '-- mem', '-- result', '-- error', '# c'), fc.string({ maxLength: 24 })), { maxLength: 8 }).map((l) => l.join('\n'));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), sectioned), (text) => {
        try {
          parseConformanceFile(text);
        } catch (e) {
          if (!(e instanceof ConformanceFormatError)) throw e;
        }
      }),
      { numRuns: fuzzRuns },
    );
  });

  it('gives random and mutated text only AssemblyError', () => {
    const mutated = fc
      .tuple(validInstructions(4), fc.constantFrom<'llvm' | 'conformance'>('llvm', 'conformance'), fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 3 })), { maxLength: 4 }))
      .map(([insns, style, edits]) => {
        let text = disassembleText(insns, { style });
        for (const [at, s] of edits) {
          const p = at % (text.length + 1);
          text = text.slice(0, p) + s + text.slice(p + 1);
        }
        return text;
      });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), mutated), (text) => {
        try {
          assemble(text);
        } catch (e) {
          if (!(e instanceof AssemblyError)) throw e;
        }
      }),
      { numRuns: fuzzRuns },
    );
  });
});
