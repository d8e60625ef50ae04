import { assemble } from './assembler.js';
import { decodeInstructions, encodeInstructions } from './codec.js';
import { disassembleText, formatInstruction } from './disasm.js';
import { asm, label, link } from './builder.js';
import { InvalidInstructionError } from './errors.js';
import { R0, R2 } from './register.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));

// Golden encodings: bytes, llvm-objdump-19 text (alu32 off), conformance text.
const GOLDEN: [string, string, string][] = [
  ['b7 00 00 00 01 00 00 00', 'r0 = 0x1', 'mov %r0, 1'],
  ['b4 00 00 00 ff ff ff ff', 'w0 = -0x1', 'mov32 %r0, -1'],
  ['3f 10 01 00 00 00 00 00', 'r0 s/= r1', 'sdiv %r0, %r1'],
  ['97 00 01 00 03 00 00 00', 'r0 s%= 0x3', 'smod %r0, 3'],
  ['bc 10 08 00 00 00 00 00', 'w0 = (s8)w1', 'movsx832 %r0, %r1'],
  ['bf 10 20 00 00 00 00 00', 'r0 = (s32)r1', 'movsx3264 %r0, %r1'],
  ['87 00 00 00 00 00 00 00', 'r0 = -r0', 'neg %r0'],
  ['dc 00 00 00 10 00 00 00', 'r0 = be16 r0', 'be16 %r0'],
  ['d4 00 00 00 40 00 00 00', 'r0 = le64 r0', 'le64 %r0'],
  ['d7 00 00 00 20 00 00 00', 'r0 = bswap32 r0', 'bswap32 %r0'],
  ['61 10 04 00 00 00 00 00', 'r0 = *(u32 *)(r1 + 0x4)', 'ldxw %r0, [%r1+4]'],
  ['89 10 fe ff 00 00 00 00', 'r0 = *(s16 *)(r1 - 0x2)', 'ldxsh %r0, [%r1-2]'],
  ['7a 0a f8 ff fb ff ff ff', '*(u64 *)(r10 - 0x8) = -0x5', 'stdw [%r10-8], -5'],
  ['73 1a ff ff 00 00 00 00', '*(u8 *)(r10 - 0x1) = r1', 'stxb [%r10-1], %r1'],
  ['db 10 00 00 00 00 00 00', 'lock *(u64 *)(r0 + 0x0) += r1', 'lock add [%r0], %r1'],
  ['c3 1a fc ff 41 00 00 00', 'w1 = atomic_fetch_or((u32 *)(r10 - 0x4), w1)', 'lock fetch or32 [%r10-4], %r1'],
  ['db 21 00 00 e1 00 00 00', 'r2 = xchg_64(r1 + 0x0, r2)', 'lock xchg [%r1], %r2'],
  ['c3 21 08 00 f1 00 00 00', 'w0 = cmpxchg32_32(r1 + 0x8, w0, w2)', 'lock cmpxchg32 [%r1+8], %r2'],
  ['18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11', 'r1 = 0x1122334455667788 ll', 'lddw %r1, 0x1122334455667788'],
  ['18 00 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff', 'r0 = -0x1 ll', 'lddw %r0, 0xffffffffffffffff'],
  ['18 11 00 00 03 00 00 00 00 00 00 00 00 00 00 00', 'ld_pseudo\tr1, 0x1, 0x3', 'lddw %r1, map_fd 3'],
  ['18 61 00 00 02 00 00 00 00 00 00 00 10 00 00 00', 'ld_pseudo\tr1, 0x6, 0x2, 0x10', 'lddw %r1, map_idx_value 2, 16'],
  ['30 00 00 00 0e 00 00 00', 'r0 = *(u8 *)skb[0xe]', 'ldabsb 14'],
  ['48 10 00 00 00 00 00 00', 'r0 = *(u16 *)skb[r1]', 'ldindh %r1, 0'],
  ['05 00 ff ff 00 00 00 00', 'goto -0x1', 'ja -1'],
  ['06 00 00 00 10 00 00 00', 'gotol +0x10', 'ja32 +16'],
  ['25 01 03 00 05 00 00 00', 'if r1 > 0x5 goto +0x3', 'jgt %r1, 5, +3'],
  ['de 21 00 00 00 00 00 00', 'if w1 s<= w2 goto +0x0', 'jsle32 %r1, %r2, +0'],
  ['45 01 01 00 08 00 00 00', 'if r1 & 0x8 goto +0x1', 'jset %r1, 8, +1'],
  ['85 00 00 00 01 00 00 00', 'call 0x1', 'call 1'],
  ['85 10 00 00 ff ff ff ff', 'call pc-0x1', 'call local -1'],
  ['85 20 00 00 2a 00 00 00', 'call kfunc 0x2a', 'call runtime 42'],
  ['8d 02 00 00 00 00 00 00', 'callx r2', 'call %r2'],
  ['95 00 00 00 00 00 00 00', 'exit', 'exit'],
];

describe('disassembler', () => {
  it.each(GOLDEN)('%s prints as `%s` / `%s` and assembles back', (hex, llvm, conformance) => {
    const insns = decodeInstructions(bytes(hex));
    expect(formatInstruction(insns, 0)).toBe(llvm);
    expect(formatInstruction(insns, 0, { style: 'conformance' })).toBe(conformance);
    expect(encodeInstructions(assemble(llvm))).toEqual(bytes(hex));
    expect(encodeInstructions(assemble(conformance))).toEqual(bytes(hex));
  });

  it('prints llvm-objdump 14 style with radix 10 and w registers with alu32', () => {
    const insns = decodeInstructions(bytes('61 10 04 00 00 00 00 00 63 1a f8 ff 00 00 00 00 25 01 03 00 05 00 00 00'));
    expect(disassembleText(insns, { radix: 10 })).toBe('r0 = *(u32 *)(r1 + 4)\n*(u32 *)(r10 - 8) = r1\nif r1 > 5 goto +3\n');
    expect(disassembleText(insns, { alu32: true })).toBe('w0 = *(u32 *)(r1 + 0x4)\n*(u32 *)(r10 - 0x8) = w1\nif r1 > 0x5 goto +0x3\n');
  });

  it('prints the lossy llvm-objdump forms with exact: true', () => {
    const insns = decodeInstructions(bytes('85 10 00 00 02 00 00 00 18 21 00 00 03 00 00 00 00 00 00 00 04 00 00 00 40 10 00 00 03 00 00 00'));
    expect(disassembleText(insns, { exact: true })).toBe('call 0x2\nld_pseudo\tr1, 0x2, 0x3\nr0 = *(u32 *)skb[r1]\n');
  });

  it('names branch targets with labels, so the text can be edited and assembled again', () => {
    const insns = link([
      asm.mov64Imm(R0, 0),
      label('loop'),
      asm.add64Imm(R0, 1),
      asm.jltImm(R0, 10, 'loop'),
      asm.ldFunc(R2, 'cb'),
      asm.callLocal('cb'),
      asm.gotol('end'),
      label('cb'),
      asm.mov64Imm(R0, 0),
      label('end'),
      asm.exit(),
    ]);
    expect(disassembleText(insns, { labels: true })).toBe(
      'r0 = 0x0\nL1:\nr0 += 0x1\nif r0 < 0xa goto L1\nld_pseudo\tr2, 0x4, L7\ncall L7\ngotol L8\nL7:\nr0 = 0x0\nL8:\nexit\n',
    );
    expect(disassembleText(insns, { labels: true, style: 'conformance' })).toBe(
      'mov %r0, 0\nL1:\nadd %r0, 1\njlt %r0, 10, L1\nlddw %r2, func L7\ncall local L7\nja32 L8\nL7:\nmov %r0, 0\nL8:\nexit\n',
    );
    for (const style of ['llvm', 'conformance'] as const) {
      const edited = disassembleText(insns, { labels: true, style }).replace('L7:\n', `L7:\n${style === 'llvm' ? 'r1 = 0x1' : 'mov %r1, 1'}\n`);
      const again = assemble(edited);
      expect(again).toHaveLength(insns.length + 1);
      expect(again[5]).toMatchObject({ opcode: 0x85, src: 1, imm: 1 }); // the call still lands on cb
    }
  });

  it('refuses invalid instructions with the slot index', () => {
    const insns = decodeInstructions(bytes('b7 00 00 00 00 00 00 00 95 01 00 00 00 00 00 00'));
    expect(() => disassembleText(insns)).toThrow(InvalidInstructionError);
    expect(() => disassembleText(insns)).toThrow(/^insn 1: exit: dst must be 0/);
  });
});
