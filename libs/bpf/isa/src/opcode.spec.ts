import { AluOp, aluOpOf } from './alu.js';
import { JumpOp, jumpOpOf } from './jump.js';
import { classOf, InsnClass, Mode, modeOf, Size, sizeOf, Source, sourceOf } from './opcode.js';

describe('opcode accessors', () => {
  it.each([
    // opcode, class, source, size, mode, alu op, jump op
    [0x07, InsnClass.ALU64, Source.K, Size.Invalid, Mode.Invalid, AluOp.ADD, JumpOp.Invalid], // r0 += imm
    [0xbc, InsnClass.ALU, Source.X, Size.Invalid, Mode.Invalid, AluOp.MOV, JumpOp.Invalid], // w0 = w1
    [0xd7, InsnClass.ALU64, Source.K, Size.Invalid, Mode.Invalid, AluOp.END, JumpOp.Invalid], // bswap
    [0xe7, InsnClass.ALU64, Source.K, Size.Invalid, Mode.Invalid, AluOp.Invalid, JumpOp.Invalid], // no op 0xe0
    [0x5d, InsnClass.JMP, Source.X, Size.Invalid, Mode.Invalid, AluOp.Invalid, JumpOp.JNE], // if r != r
    [0x06, InsnClass.JMP32, Source.K, Size.Invalid, Mode.Invalid, AluOp.Invalid, JumpOp.JA], // gotol
    [0x95, InsnClass.JMP, Source.K, Size.Invalid, Mode.Invalid, AluOp.Invalid, JumpOp.EXIT],
    [0xf5, InsnClass.JMP, Source.K, Size.Invalid, Mode.Invalid, AluOp.Invalid, JumpOp.Invalid],
    [0x18, InsnClass.LD, Source.Invalid, Size.DW, Mode.IMM, AluOp.Invalid, JumpOp.Invalid], // lddw
    [0x30, InsnClass.LD, Source.Invalid, Size.B, Mode.ABS, AluOp.Invalid, JumpOp.Invalid], // ldabsb
    [0x91, InsnClass.LDX, Source.Invalid, Size.B, Mode.MEMSX, AluOp.Invalid, JumpOp.Invalid], // ldxsb
    [0xdb, InsnClass.STX, Source.Invalid, Size.DW, Mode.ATOMIC, AluOp.Invalid, JumpOp.Invalid], // atomic 64
    [0xa1, InsnClass.LDX, Source.Invalid, Size.W, Mode.Invalid, AluOp.Invalid, JumpOp.Invalid], // mode 0xa0 unused
  ])('decodes opcode %d', (opcode, cls, source, size, mode, alu, jump) => {
    expect([classOf(opcode), sourceOf(opcode), sizeOf(opcode), modeOf(opcode), aluOpOf(opcode), jumpOpOf(opcode)]).toEqual([cls, source, size, mode, alu, jump]);
  });
});
