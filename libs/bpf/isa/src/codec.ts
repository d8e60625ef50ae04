import { INSN_SIZE, type Instruction } from './instruction.js';

/** Opcode of the first slot of a 16-byte `lddw` (BPF_LD | BPF_IMM | BPF_DW). */
export const LDDW_OPCODE = 0x18;

/** Thrown when bytes cannot be split into instruction slots. */
export class InstructionDecodeError extends Error {
  readonly code = 'EBPF_DECODE';
  constructor(
    message: string,
    readonly insn: number,
  ) {
    super(message);
    this.name = 'InstructionDecodeError';
  }
}

/**
 * Decodes little-endian eBPF bytecode into one `Instruction` per 8-byte slot. It checks only the
 * framing (whole slots, a `lddw` followed by its second slot); opcode validity is the assembler's,
 * the VM's and the verifier's business, each with its own rules.
 */
export function decodeInstructions(bytes: Uint8Array): Instruction[] {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new InstructionDecodeError(`program size ${bytes.length} is not a multiple of ${INSN_SIZE}`, Math.floor(bytes.length / INSN_SIZE));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.length / INSN_SIZE;
  const out: Instruction[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const base = i * INSN_SIZE;
    const opcode = view.getUint8(base);
    const regs = view.getUint8(base + 1);
    const offset = view.getInt16(base + 2, true);
    const imm = view.getInt32(base + 4, true);
    const insn: Instruction = { opcode, dst: regs & 0x0f, src: regs >> 4, offset, imm };
    if (opcode === LDDW_OPCODE) {
      if (i + 1 >= count) throw new InstructionDecodeError(`lddw at ${i} has no second slot`, i);
      const hi = view.getUint32(base + INSN_SIZE + 4, true);
      const lo = view.getUint32(base + 4, true);
      out[i] = { ...insn, imm64: (BigInt(hi) << 32n) | BigInt(lo) };
    } else {
      out[i] = insn;
    }
  }
  return out;
}

/** Encodes instructions (one per slot, as `decodeInstructions` returns them) to bytes. */
export function encodeInstructions(insns: readonly Instruction[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * INSN_SIZE);
  const view = new DataView(bytes.buffer);
  insns.forEach((insn, i) => {
    const base = i * INSN_SIZE;
    view.setUint8(base, insn.opcode & 0xff);
    view.setUint8(base + 1, ((insn.src & 0x0f) << 4) | (insn.dst & 0x0f));
    view.setInt16(base + 2, insn.offset, true);
    view.setInt32(base + 4, insn.imm | 0, true);
  });
  return bytes;
}
