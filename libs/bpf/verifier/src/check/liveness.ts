import type { Instruction } from '@bpfleet/isa';
import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CMPXCHG,
  BPF_FETCH,
  BPF_IND,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_ST,
  BPF_STX,
  BPF_X,
  classOf,
  modeOf,
  opOf,
  srcOf,
} from '../opcodes.js';
import { isCall, isCondJump, isExit, isJa, isLdImm64, jumpTarget } from './insn.js';

const bit = (r: number): number => 1 << r;
const ARGS = 0b111110; // R1..R5
const CALLER_SAVED = 0b111111; // R0..R5

interface UseDef {
  use: number;
  def: number;
}

function useDef(insn: Instruction): UseDef {
  const cls = classOf(insn.opcode);
  const d = bit(insn.dst);
  const s = bit(insn.src);
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      const op = opOf(insn.opcode);
      if (op === 0xb0) return { use: srcOf(insn.opcode) === BPF_X ? s : 0, def: d };
      return { use: d | (srcOf(insn.opcode) === BPF_X && op !== 0x80 && op !== 0xd0 ? s : 0), def: d };
    }
    case BPF_LDX:
      return { use: s, def: d };
    case BPF_ST:
      return { use: d, def: 0 };
    case BPF_STX:
      if (modeOf(insn.opcode) === BPF_ATOMIC) {
        if (insn.imm === BPF_CMPXCHG) return { use: d | s | bit(0), def: bit(0) };
        return { use: d | s, def: insn.imm & BPF_FETCH ? s : 0 };
      }
      return { use: d | s, def: 0 };
    case BPF_LD:
      if (isLdImm64(insn)) return { use: 0, def: d };
      if (modeOf(insn.opcode) === BPF_ABS) return { use: bit(6), def: CALLER_SAVED };
      if (modeOf(insn.opcode) === BPF_IND) return { use: bit(6) | s, def: CALLER_SAVED };
      return { use: 0, def: 0 };
    case BPF_JMP:
    case BPF_JMP32:
      if (isExit(insn)) return { use: bit(0), def: 0 };
      if (isCall(insn)) return { use: ARGS, def: CALLER_SAVED };
      if (isJa(insn)) return { use: 0, def: 0 };
      return { use: d | (srcOf(insn.opcode) === BPF_X ? s : 0), def: 0 };
    default:
      return { use: 0, def: 0 };
  }
}

/**
 * Registers live on entry to each instruction (bit r set = r may be read before being written). State
 * pruning ignores dead registers, as the kernel's read marks do. Calls are treated as reading R1-R5
 * and clobbering R0-R5; a subprogram's exit reads R0.
 */
export function computeLiveness(insns: readonly Instruction[]): Uint16Array {
  const n = insns.length;
  const live = new Uint16Array(n);
  const ud = insns.map(useDef);
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      const insn = insns[i]!;
      let out = 0;
      if (!isExit(insn)) {
        const cls = classOf(insn.opcode);
        const isJmp = cls === BPF_JMP || cls === BPF_JMP32;
        if (isJmp && isJa(insn)) out = live[jumpTarget(i, insn)] ?? 0;
        else {
          out = live[i + (isLdImm64(insn) ? 2 : 1)] ?? 0;
          if (isJmp && isCondJump(insn)) out |= live[jumpTarget(i, insn)] ?? 0;
        }
      }
      const u = ud[i]!;
      const inn = (u.use | (out & ~u.def)) & 0x7ff;
      if (inn !== live[i]) {
        live[i] = inn;
        changed = true;
      }
    }
  }
  return live;
}
