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
  BPF_MEMSX,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_ST,
  BPF_STX,
  BPF_X,
  BPF_XCHG,
  classOf,
  modeOf,
  opOf,
  sizeOf,
  srcOf,
} from '../opcodes.js';
import { HELPERS } from '../helpers/protos.js';

const ALU_OPS: Record<number, string> = {
  0x00: '+=', 0x10: '-=', 0x20: '*=', 0x30: '/=', 0x40: '|=', 0x50: '&=', 0x60: '<<=', 0x70: '>>=',
  0x90: '%=', 0xa0: '^=', 0xb0: '=', 0xc0: 's>>=',
};
const JMP_OPS: Record<number, string> = {
  0x10: '==', 0x20: '>', 0x30: '>=', 0x40: '&', 0x50: '!=', 0x60: 's>', 0x70: 's>=', 0xa0: '<', 0xb0: '<=', 0xc0: 's<', 0xd0: 's<=',
};
const SIZE_NAME: Record<number, string> = { 0x00: 'u32', 0x08: 'u16', 0x10: 'u8', 0x18: 'u64' };
const ATOMIC_OPS: Record<number, string> = { 0x00: 'add', 0x40: 'or', 0x50: 'and', 0xa0: 'xor' };

const signed = (n: number): string => (n >= 0 ? `+${n}` : `${n}`);
const hex32 = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/**
 * Formats one instruction as the kernel's verifier log does (kernel/bpf/disasm.c, print_bpf_insn):
 * `(bf) r2 = r10`, `(07) r2 += -8`, `(85) call bpf_map_lookup_elem#1`, `(15) if r0 == 0x0 goto pc+1`.
 */
export function formatKernelInsn(insn: Instruction, mapName?: (index: number) => string): string {
  const code = `(${insn.opcode.toString(16).padStart(2, '0')})`;
  const cls = classOf(insn.opcode);
  const op = opOf(insn.opcode);
  const isX = srcOf(insn.opcode) === BPF_X;
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      const p = cls === BPF_ALU64 ? 'r' : 'w';
      if (op === 0x80) return `${code} ${p}${insn.dst} = -${p}${insn.dst}`;
      if (op === 0xd0) {
        if (cls === BPF_ALU64) return `${code} r${insn.dst} = bswap${insn.imm} r${insn.dst}`;
        return `${code} r${insn.dst} = ${isX ? 'be' : 'le'}${insn.imm} r${insn.dst}`;
      }
      const name = ALU_OPS[op] ?? '?';
      const sdiv = (op === 0x30 || op === 0x90) && insn.offset === 1 ? 's' : '';
      const opText = sdiv ? `s${name}` : name;
      if (op === 0xb0 && isX && insn.offset !== 0) return `${code} ${p}${insn.dst} = (s${insn.offset})${p}${insn.src}`;
      return isX ? `${code} ${p}${insn.dst} ${opText} ${p}${insn.src}` : `${code} ${p}${insn.dst} ${opText} ${insn.imm}`;
    }
    case BPF_LDX: {
      const sz = SIZE_NAME[sizeOf(insn.opcode)]!;
      const t = modeOf(insn.opcode) === BPF_MEMSX ? sz.replace('u', 's') : sz;
      return `${code} r${insn.dst} = *(${t} *)(r${insn.src} ${signed(insn.offset)})`;
    }
    case BPF_ST:
      return `${code} *(${SIZE_NAME[sizeOf(insn.opcode)]} *)(r${insn.dst} ${signed(insn.offset)}) = ${insn.imm}`;
    case BPF_STX: {
      const sz = SIZE_NAME[sizeOf(insn.opcode)]!;
      const mem = `(${sz} *)(r${insn.dst} ${signed(insn.offset)})`;
      if (modeOf(insn.opcode) !== BPF_ATOMIC) return `${code} *${mem} = r${insn.src}`;
      const w = sizeOf(insn.opcode) === 0x18 ? '64' : '';
      const reg = sizeOf(insn.opcode) === 0x18 ? 'r' : 'w';
      if (insn.imm === BPF_XCHG) return `${code} ${reg}${insn.src} = atomic${w}_xchg(${mem}, ${reg}${insn.src})`;
      if (insn.imm === BPF_CMPXCHG) return `${code} ${reg}0 = atomic${w}_cmpxchg(${mem}, ${reg}0, ${reg}${insn.src})`;
      const name = ATOMIC_OPS[insn.imm & ~BPF_FETCH] ?? '?';
      if (insn.imm & BPF_FETCH) return `${code} ${reg}${insn.src} = atomic${w}_fetch_${name}(${mem}, ${reg}${insn.src})`;
      return `${code} lock *${mem} ${ALU_OPS[insn.imm] ?? '?'} ${reg}${insn.src}`;
    }
    case BPF_LD: {
      if (insn.opcode === 0x18) {
        const v = insn.imm64 ?? BigInt(insn.imm >>> 0);
        const lo = Number(v & 0xffff_ffffn);
        const hi = Number(v >> 32n);
        if (insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_IDX) {
          return `${code} r${insn.dst} = map[id:${mapName ? mapName(lo) : lo}]`;
        }
        if (insn.src === BPF_PSEUDO_MAP_VALUE || insn.src === BPF_PSEUDO_MAP_IDX_VALUE) {
          return `${code} r${insn.dst} = map[id:${mapName ? mapName(lo) : lo}][0]+${hi}`;
        }
        if (insn.src === BPF_PSEUDO_FUNC) return `${code} r${insn.dst} = func`;
        return `${code} r${insn.dst} = 0x${v.toString(16)}`;
      }
      const sz = SIZE_NAME[sizeOf(insn.opcode)]!;
      if (modeOf(insn.opcode) === BPF_ABS) return `${code} r0 = *(${sz} *)skb[${insn.imm}]`;
      if (modeOf(insn.opcode) === BPF_IND) return `${code} r0 = *(${sz} *)skb[r${insn.src} + ${insn.imm}]`;
      return `${code} (bad ld)`;
    }
    case BPF_JMP:
    case BPF_JMP32: {
      if (op === 0x80) {
        if (insn.src === BPF_PSEUDO_CALL) return `${code} call pc${signed(insn.imm)}`;
        if (insn.src === BPF_PSEUDO_KFUNC_CALL) return `${code} call kernel-function`;
        const h = HELPERS.get(insn.imm);
        return `${code} call ${h ? h.name : 'unknown'}#${insn.imm}`;
      }
      if (op === 0x90) return `${code} exit`;
      if (op === 0x00) return cls === BPF_JMP32 ? `${code} gotol pc${signed(insn.imm)}` : `${code} goto pc${signed(insn.offset)}`;
      const p = cls === BPF_JMP ? 'r' : 'w';
      const rhs = isX ? `${p}${insn.src}` : hex32(insn.imm);
      return `${code} if ${p}${insn.dst} ${JMP_OPS[op] ?? '?'} ${rhs} goto pc${signed(insn.offset)}`;
    }
    default:
      return `${code} (unknown)`;
  }
}
