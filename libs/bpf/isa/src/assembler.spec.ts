import { assemble, AssemblyError } from './assembler.js';
import { encodeInstructions } from './codec.js';
import { disassembleText } from './disasm.js';

describe('assembler', () => {
  it('reads labels, comments, mixed syntaxes and pasted llvm-objdump output', () => {
    const insns = assemble(`
      # conformance and LLVM lines may be mixed
      mov %r0, 0          ; a comment
      start: r0 += 1      // another
      if r0 < 0xa goto start
      0:\tb7 01 00 00 02 00 00 00\tr1 = 0x2
      jeq %r1, 2, done <done+0x0>
      exit
      done:
      exit`);
    expect(disassembleText(insns)).toBe('r0 = 0x0\nr0 += 0x1\nif r0 < 0xa goto -0x2\nr1 = 0x2\nif r1 == 0x2 goto +0x1\nexit\nexit\n');
  });

  it('reads a whole llvm-objdump listing back into the same bytes', () => {
    const listing = [
      '',
      'minimal.v4.o:\tfile format elf64-bpf',
      '',
      'Disassembly of section xdp:',
      '',
      '0000000000000000 <count_packets>:',
      '       0:\t62 0a fc ff 00 00 00 00\t*(u32 *)(r10 - 0x4) = 0x0',
      '       1:\t18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00\tr1 = 0x0 ll',
      '       3:\t15 00 01 00 00 00 00 00\tif r0 == 0x0 goto +0x1 <count_packets+0x28>',
      '       4:\tdb 10 00 00 00 00 00 00\tlock *(u64 *)(r0 + 0x0) += r1',
      '       5:\t95 00 00 00 00 00 00 00\texit',
    ].join('\n');
    const hex = Buffer.from(encodeInstructions(assemble(listing))).toString('hex');
    expect(hex).toBe('620afcff00000000' + '1801000000000000' + '0000000000000000' + '1500010000000000' + 'db10000000000000' + '9500000000000000');
  });

  it('treats the first exit as the label `exit` unless one is defined (conformance convention)', () => {
    expect(assemble('jne %r0, 1, exit\nmov %r0, 2\nexit')[0]!.offset).toBe(1);
    expect(assemble('jne %r0, 1, exit\nexit\nexit:\nexit')[0]!.offset).toBe(1);
  });

  it('accepts hex immediates as bit patterns and refuses decimal overflow', () => {
    expect(assemble('mov32 %r0, 0xffffffff')[0]!.imm).toBe(-1);
    expect(assemble('r0 = -2147483648')[0]!.imm).toBe(-2147483648);
    expect(encodeInstructions(assemble('lddw %r0, -1'))).toEqual(encodeInstructions(assemble('r0 = 0xffffffffffffffff ll')));
  });

  it.each([
    ['mov32 %r0, 2147483648', 1, 12, /2147483648 does not fit in 32 bits/],
    ['exit\nldxq %r0, %r1', 2, 1, /unknown mnemonic 'ldxq'/],
    ['ldxb %r0, %r1', 1, 11, /expected a memory operand/],
    ['or %r0, %r11', 1, 9, /invalid register '%r11'/],
    ['lock', 1, 1, /invalid number of operands for lock/],
    ['lock fetch xchg [%r1], %r2', 1, 6, /always fetches/],
    ['lddw %r0', 1, 1, /lddw takes 2 operands/],
    ['ja NOT_A_LABEL', 1, 4, /unknown label 'NOT_A_LABEL'/],
    ['w0 += r1', 1, 1, /mixes 32-bit \(w\) and 64-bit \(r\) registers/],
    ['r0 = *(s64 *)(r1 + 0)', 1, 8, /no sign-extending 64-bit load/],
    ['r1 = be16 r2', 1, 1, /in place/],
    ['  r0 = what', 1, 3, /cannot parse instruction/],
    ['call bogus mode', 1, 6, /invalid call mode 'bogus'/],
    ['ldxb %r0, [%r1+0x10000]', 1, 16, /0x10000 does not fit in 16 bits/],
  ])('refuses %j at line %d column %d', (source, line, column, problem) => {
    let error: unknown;
    try {
      assemble(source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AssemblyError);
    const e = error as AssemblyError;
    expect({ line: e.line, column: e.column }).toEqual({ line, column });
    expect(e.problem).toMatch(problem);
    expect(e.message).toMatch(new RegExp(`^line ${line}:${column}: `));
  });
});

describe('assembler: kernel verifier log syntax', () => {
  it('reads lines of the verifier log and bpftool prog dump xlated', () => {
    const log = [
      '   0: (b7) r0 = 0',
      '  13: (15) if r0 == 0x0 goto pc+6',
      '  14: (79) r1 = *(u64 *)(r6 +8)',
      '  18: (db) lock *(u64 *)(r0 +0) += r1',
      '  47: (db) r3 = atomic64_fetch_add((u64 *)(r0 +0), r3)',
      '  54: (c3) r4 = atomic_fetch_add((u32 *)(r0 +48), r4)',
      '  56: (db) r1 = atomic64_xchg((u64 *)(r0 +32), r1)',
      '  64: (c3) r0 = atomic_cmpxchg((u32 *)(r6 +68), r0, r2)',
      '   5: (85) call pc+1#bpf_prog_6b59b906728f4725_clamp_len',
      '   6: (85) call bpf_map_lookup_elem#1',
      '  77: (95) exit',
    ].join('\n');
    expect(disassembleText(assemble(log))).toBe(
      [
        'r0 = 0x0',
        'if r0 == 0x0 goto +0x6',
        'r1 = *(u64 *)(r6 + 0x8)',
        'lock *(u64 *)(r0 + 0x0) += r1',
        'r3 = atomic_fetch_add((u64 *)(r0 + 0x0), r3)',
        'w4 = atomic_fetch_add((u32 *)(r0 + 0x30), w4)',
        'r1 = xchg_64(r0 + 0x20, r1)',
        'w0 = cmpxchg32_32(r6 + 0x44, w0, w2)',
        'call pc+0x1',
        'call 0x1',
        'exit',
        '',
      ].join('\n'),
    );
  });
});
