import { asm, exit, label, link, LinkError } from './builder.js';
import { encodeInstructions } from './codec.js';
import { disassembleText } from './disasm.js';
import { R0, R1, R2, R10 } from './register.js';
import { validateProgram } from './validate.js';

const hex = (b: Uint8Array): string[] => Array.from({ length: b.length / 8 }, (_, i) => Buffer.from(b.subarray(i * 8, i * 8 + 8)).toString('hex'));

describe('builder and link', () => {
  it('resolves labels forward and backward into offsets, gotol and local calls into imm', () => {
    const insns = link([
      asm.mov64Imm(R0, 0), // 0
      label('loop'),
      asm.add64Imm(R0, 1), // 1
      asm.jltImm(R0, 10, 'loop'), // 2: back to 1 => -2
      asm.lddw(R1, 0x1122334455667788n), // 3-4
      asm.callLocal('fn'), // 5: to 8 => +2
      asm.gotol('out'), // 6: to 9 => +2
      exit(), // 7
      label('fn'),
      asm.mov32Imm(R0, 7), // 8
      label('out'),
      exit(), // 9
    ]);
    expect(hex(encodeInstructions(insns))).toEqual([
      'b700000000000000',
      '0700000001000000',
      'a500feff0a000000', // if r0 < 10 goto -2
      '1801000088776655',
      '0000000044332211',
      '8510000002000000', // call pc+2
      '0600000002000000',
      '9500000000000000',
      'b400000007000000',
      '9500000000000000',
    ]);
    expect(() => validateProgram(insns)).not.toThrow();
  });

  it('builds every family the disassembler names', () => {
    const insns = link([
      asm.sdiv64Reg(R0, R1), asm.smod32Imm(R0, 3), asm.movsx64(R0, R1, 32), asm.bswap(R0, 16), asm.be(R0, 32),
      asm.ldsx(16, R0, R1, -2), asm.st(32, R10, -8, 5), asm.stx(64, R10, -16, R1),
      asm.atomicFetchXor32(R10, -8, R2), asm.cmpxchg64(R10, -16, R2), asm.ldMapValue(R1, 3, 16), asm.ldInd(16, R2, 4),
      asm.callKfunc(77), asm.callx(R2), exit(),
    ]);
    expect(disassembleText(insns)).toBe(
      [
        'r0 s/= r1', 'w0 s%= 0x3', 'r0 = (s32)r1', 'r0 = bswap16 r0', 'r0 = be32 r0', 'r0 = *(s16 *)(r1 - 0x2)',
        '*(u32 *)(r10 - 0x8) = 0x5', '*(u64 *)(r10 - 0x10) = r1', 'w2 = atomic_fetch_xor((u32 *)(r10 - 0x8), w2)',
        'r0 = cmpxchg_64(r10 - 0x10, r0, r2)', 'ld_pseudo\tr1, 0x2, 0x3, 0x10', 'r0 = *(u16 *)skb[r2 + 0x4]', 'call kfunc 0x4d', 'callx r2', 'exit', '',
      ].join('\n'),
    );
  });

  it('refuses unknown and duplicate labels and offsets beyond 16 bits', () => {
    expect(() => link([asm.ja('nowhere'), exit()])).toThrow(LinkError);
    expect(() => link([label('a'), label('a'), exit()])).toThrow(/duplicate label 'a'/);
    const far = [asm.ja('end'), ...Array.from({ length: 40000 }, () => asm.mov64Imm(R0, 0)), label('end'), exit()];
    expect(() => link(far)).toThrow(/beyond a 16-bit offset/);
    const farGotol = [asm.gotol('end'), ...far.slice(1)];
    expect(link(farGotol)[0]!.imm).toBe(40000);
  });
});
