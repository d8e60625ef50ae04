/**
 * An eBPF instruction as a plain value (RFC 9669 §3):
 *
 *   bit 63        32 31    16 15  12 11   8 7      0
 *       |   imm     | offset | src  | dst  | opcode |
 *
 * A program is decoded into one `Instruction` per 8-byte slot, so array indices are the kernel's
 * instruction indices (the verifier log, jump offsets and line info all count slots). A 16-byte
 * `lddw` is the first slot (opcode 0x18) with `imm64` holding the whole constant; the second slot
 * follows as its own entry (opcode 0, `imm` = high half) and is never executed.
 */
export interface Instruction {
  /** 8-bit opcode: class (low 3 bits), then source/size/mode and operation. */
  readonly opcode: number;
  /** Destination register 0..10 (4 bits; 11..15 are invalid but decodable). */
  readonly dst: number;
  /** Source register 0..10, or a pseudo source for `lddw` and `call`. */
  readonly src: number;
  /** Signed 16-bit offset (jumps, memory access, and the cpu v4 sdiv/smod/movsx selector). */
  readonly offset: number;
  /** Signed 32-bit immediate. */
  readonly imm: number;
  /** For the first slot of `lddw`: the 64-bit constant (low imm | next imm << 32), as unsigned. */
  readonly imm64?: bigint;
}

/** Size of one instruction slot in bytes. */
export const INSN_SIZE = 8;
