import { asm, exit, label, link } from './builder.js';
import { ConformanceFormatError, parseConformanceFile } from './conformance.js';
import { InvalidInstructionError, type InvalidReason } from './errors.js';
import type { Instruction } from './instruction.js';
import { R0, R1, R2, R3, R6, R10 } from './register.js';
import { validateProgram, type ValidateOptions } from './validate.js';

function refusal(insns: readonly Instruction[], options?: ValidateOptions): { insn: number; reason: InvalidReason } | undefined {
  try {
    validateProgram(insns, options);
    return undefined;
  } catch (e) {
    if (!(e instanceof InvalidInstructionError)) throw e;
    return { insn: e.insn, reason: e.reason };
  }
}

const raw = (opcode: number, dst = 0, src = 0, offset = 0, imm = 0): Instruction => ({ opcode, dst, src, offset, imm });

describe('validateProgram', () => {
  it.each<[string, Instruction[], number, InvalidReason]>([
    ['an empty program', [], 0, 'empty-program'],
    ['a jump past the end', [raw(0x05, 0, 0, 1), raw(0x95)], 0, 'jump-out-of-range'],
    ['a jump before the start', [raw(0x95), raw(0x05, 0, 0, -3)], 1, 'jump-out-of-range'],
    ['a jump into the second slot of lddw', [raw(0x15, 1, 0, 1), ...link([asm.lddw(R0, 1n)]), raw(0x95)], 0, 'jump-into-lddw'],
    ['a lddw without its second slot', [raw(0xb7), raw(0x18)], 1, 'bad-lddw'],
    ['a lddw second slot with an opcode', [raw(0x18), raw(0x95), raw(0x95)], 1, 'bad-lddw'],
    ['a local call outside the program', [raw(0x85, 0, 1, 0, 5), raw(0x95)], 0, 'jump-out-of-range'],
    ['falling off the end', [raw(0xb7)], 0, 'falls-off-end'],
    ['a write to r10', [raw(0xb7, 10), raw(0x95)], 0, 'readonly-register'],
    ['register 11', [raw(0xbf, 0, 11), raw(0x95)], 0, 'bad-register'],
    ['opcode 0xe7', [raw(0xe7), raw(0x95)], 0, 'unknown-opcode'],
    ['a byte swap of width 8', [raw(0xd7, 0, 0, 0, 8), raw(0x95)], 0, 'bad-imm'],
    ['an unknown atomic operation', [raw(0xdb, 1, 2, 0, 0x10), raw(0x95)], 0, 'bad-imm'],
    ['movsx32 of 32 bits', [raw(0xbc, 0, 1, 32), raw(0x95)], 0, 'bad-offset'],
    ['an unknown lddw pseudo source', [raw(0x18, 0, 7), raw(0), raw(0x95)], 0, 'bad-lddw'],
    ['a call with src 3', [raw(0x85, 0, 3), raw(0x95)], 0, 'bad-register'],
  ])('refuses %s', (_, insns, insn, reason) => {
    expect(refusal(insns)).toEqual({ insn, reason });
  });

  it('accepts gotol and jump targets at both ends', () => {
    expect(refusal([raw(0x06, 0, 0, 0, 1), raw(0x05, 0, 0, -2), raw(0x95)])).toBeUndefined();
  });

  describe('register initialization (entryRegisters)', () => {
    const entry = { entryRegisters: [1, 10] };
    it('refuses reading r0 or a callee argument before a write', () => {
      expect(refusal(link([asm.or64Reg(R0, R10), exit()]), entry)).toEqual({ insn: 0, reason: 'uninitialized-register' });
      expect(refusal(link([asm.mov64Reg(R0, R2), exit()]), entry)).toEqual({ insn: 0, reason: 'uninitialized-register' });
    });

    it('knows calls return r0 and clobber r1-r5', () => {
      expect(refusal(link([asm.call(1), exit()]), entry)).toBeUndefined();
      expect(refusal(link([asm.call(1), asm.mov64Reg(R0, R1), exit()]), entry)).toEqual({ insn: 1, reason: 'uninitialized-register' });
      expect(refusal(link([asm.mov64Reg(R6, R1), asm.ldAbs(8, 0), asm.mov64Reg(R0, R1), exit()]), entry)).toEqual({ insn: 2, reason: 'uninitialized-register' });
    });

    it('meets paths: a register written on only one branch is not initialized after the join', () => {
      const oneSide = link([asm.jeqImm(R1, 0, 'join'), asm.mov64Imm(R3, 1), label('join'), asm.mov64Reg(R0, R3), exit()]);
      expect(refusal(oneSide, entry)).toEqual({ insn: 2, reason: 'uninitialized-register' });
      const bothSides = link([asm.mov64Imm(R3, 2), asm.jeqImm(R1, 0, 'join'), asm.mov64Imm(R3, 1), label('join'), asm.mov64Reg(R0, R3), exit()]);
      expect(refusal(bothSides, entry)).toBeUndefined();
    });

    it('starts subprograms with their arguments', () => {
      const prog = link([asm.mov64Imm(R1, 1), asm.callLocal('fn'), exit(), label('fn'), asm.mov64Reg(R0, R1), asm.add64Reg(R0, R2), exit()]);
      expect(refusal(prog, entry)).toBeUndefined();
    });
  });
});

describe('parseConformanceFile', () => {
  it('reads every section and both raw spellings', () => {
    const test = parseConformanceFile(
      ['# header', '-- asm', 'mov %r0, 1 # keep', '# asm comment', 'exit', '-- raw', '0x00000001000000b7', 'b7 00 00 00 01 00 00 00', '-- mem', 'aa bb', 'cc', '-- result', '0x1', '-- no register offset', 'call instruction'].join('\n'),
    );
    expect(test.asm).toBe('mov %r0, 1 # keep\n# asm comment\nexit');
    expect([...test.raw!]).toEqual([0xb7, 0, 0, 0, 1, 0, 0, 0, 0xb7, 0, 0, 0, 1, 0, 0, 0]);
    expect([...test.mem]).toEqual([0xaa, 0xbb, 0xcc]);
    expect(test.result).toBe(1n);
    expect(test.sections.get('no register offset')).toBe('call instruction');
  });

  it('refuses bad hex with the section and line', () => {
    expect(() => parseConformanceFile('-- mem\naa zz')).toThrow(ConformanceFormatError);
    expect(() => parseConformanceFile('-- result\n0xg')).toThrow(/result line 2/);
  });
});
