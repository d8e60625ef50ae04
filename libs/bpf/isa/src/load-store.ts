/**
 * Loads and stores (RFC 9669 §5):
 *
 *   +----------+----------+---------------------+
 *   | mode (3) | size (2) | LD / LDX / ST / STX |
 *   +----------+----------+---------------------+
 *
 * LDX|MEM and LDX|MEMSX (cpu v4) read `[src + offset]`; ST|MEM stores imm and STX|MEM stores src
 * at `[dst + offset]`. STX|ATOMIC (W or DW) performs the operation named by imm. LD|IMM|DW is the
 * 16-byte `lddw`, whose src names a pseudo source; LD|ABS and LD|IND are the legacy packet loads.
 */

/** imm of an STX|ATOMIC instruction. */
export enum AtomicOp {
  ADD = 0x00,
  OR = 0x40,
  AND = 0x50,
  XOR = 0xa0,
  /** Flag: also return the old value in src. */
  FETCH = 0x01,
  /** Exchange (always fetches). */
  XCHG = 0xe1,
  /** Compare r0 with memory and exchange with src if equal; old value into r0. */
  CMPXCHG = 0xf1,
}

/** Every valid imm of an atomic instruction. */
export const ATOMIC_IMMS: readonly number[] = [
  AtomicOp.ADD,
  AtomicOp.OR,
  AtomicOp.AND,
  AtomicOp.XOR,
  AtomicOp.ADD | AtomicOp.FETCH,
  AtomicOp.OR | AtomicOp.FETCH,
  AtomicOp.AND | AtomicOp.FETCH,
  AtomicOp.XOR | AtomicOp.FETCH,
  AtomicOp.XCHG,
  AtomicOp.CMPXCHG,
];

/** `src` of `lddw` (RFC 9669 §5.4, kernel BPF_PSEUDO_*): how the loader interprets imm. */
export enum PseudoSource {
  /** A plain 64-bit constant. */
  IMM64 = 0,
  /** imm = map fd; dst = map pointer. */
  MAP_FD = 1,
  /** imm = map fd, next imm = offset into the map value; dst = value address. */
  MAP_VALUE = 2,
  /** imm = BTF id of a kernel variable; dst = its address. */
  BTF_ID = 3,
  /** imm = instruction offset of a subprogram; dst = its address. */
  FUNC = 4,
  /** imm = map index (fd_array); dst = map pointer. */
  MAP_IDX = 5,
  /** imm = map index, next imm = value offset; dst = value address. */
  MAP_IDX_VALUE = 6,
}

/** Keywords naming the pseudo sources (conformance syntax: `lddw %r1, map_fd 3`). */
export const PSEUDO_SOURCE_NAMES: Readonly<Record<PseudoSource, string>> = {
  [PseudoSource.IMM64]: 'imm64',
  [PseudoSource.MAP_FD]: 'map_fd',
  [PseudoSource.MAP_VALUE]: 'map_value',
  [PseudoSource.BTF_ID]: 'btf_id',
  [PseudoSource.FUNC]: 'func',
  [PseudoSource.MAP_IDX]: 'map_idx',
  [PseudoSource.MAP_IDX_VALUE]: 'map_idx_value',
};
