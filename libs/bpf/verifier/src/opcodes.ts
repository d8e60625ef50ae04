/** Opcode fields (include/uapi/linux/bpf_common.h + bpf.h), as the verifier reads them. */
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

export const BPF_K = 0x00;
export const BPF_X = 0x08;

export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

export const classOf = (op: number): number => op & 0x07;
export const sizeOf = (op: number): number => op & 0x18;
export const modeOf = (op: number): number => op & 0xe0;
export const srcOf = (op: number): number => op & 0x08;
export const opOf = (op: number): number => op & 0xf0;

export function sizeBytes(size: number): number {
  switch (size) {
    case BPF_B: return 1;
    case BPF_H: return 2;
    case BPF_W: return 4;
    default: return 8;
  }
}

export const MAX_BPF_STACK = 512;
export const BPF_REG_FP = 10;
export const MAX_BPF_REG = 11;
export const MAX_CALL_FRAMES = 8;
export const BPF_MAX_VAR_OFF = 1 << 29;
