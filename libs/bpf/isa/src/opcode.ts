/**
 * The 8-bit opcode (RFC 9669 §3):
 *
 *   arithmetic and jump classes          load and store classes
 *   +--------+--------+-------+          +------+------+-------+
 *   | op (4) | src(1) | class |          | mode | size | class |
 *   +--------+--------+-------+          +------+------+-------+
 *    7      4    3     2     0            7    5 4    3 2     0
 *
 * Accessors return an `Invalid…` value when a field does not apply to the opcode's class, so
 * callers can switch on the result without guarding first.
 */

/** Instruction class, the low 3 bits. */
export enum InsnClass {
  LD = 0x00,
  LDX = 0x01,
  ST = 0x02,
  STX = 0x03,
  ALU = 0x04,
  JMP = 0x05,
  JMP32 = 0x06,
  ALU64 = 0x07,
}

/** Operand source of arithmetic and jump classes (bit 3): immediate or register. */
export enum Source {
  K = 0x00,
  X = 0x08,
  /** Returned for load/store classes, where bit 3 belongs to the size field. */
  Invalid = 0xff,
}

/** Access size of load/store classes (bits 3-4). */
export enum Size {
  W = 0x00,
  H = 0x08,
  B = 0x10,
  DW = 0x18,
  Invalid = 0xff,
}

/** Addressing mode of load/store classes (bits 5-7). */
export enum Mode {
  IMM = 0x00,
  ABS = 0x20,
  IND = 0x40,
  MEM = 0x60,
  /** Sign-extending load (cpu v4). */
  MEMSX = 0x80,
  ATOMIC = 0xc0,
  Invalid = 0xff,
}

const CLASS_MASK = 0x07;
const SOURCE_MASK = 0x08;
const SIZE_MASK = 0x18;
const MODE_MASK = 0xe0;
/** Operation field of arithmetic and jump classes (bits 4-7). */
export const OP_MASK = 0xf0;

export function classOf(opcode: number): InsnClass {
  return (opcode & CLASS_MASK) as InsnClass;
}

export function isAluClass(cls: InsnClass): boolean {
  return cls === InsnClass.ALU || cls === InsnClass.ALU64;
}

export function isJumpClass(cls: InsnClass): boolean {
  return cls === InsnClass.JMP || cls === InsnClass.JMP32;
}

export function isLoadStoreClass(cls: InsnClass): boolean {
  return cls <= InsnClass.STX;
}

export function sourceOf(opcode: number): Source {
  return isLoadStoreClass(classOf(opcode)) ? Source.Invalid : ((opcode & SOURCE_MASK) as Source);
}

export function sizeOf(opcode: number): Size {
  return isLoadStoreClass(classOf(opcode)) ? ((opcode & SIZE_MASK) as Size) : Size.Invalid;
}

export function modeOf(opcode: number): Mode {
  if (!isLoadStoreClass(classOf(opcode))) return Mode.Invalid;
  const mode = opcode & MODE_MASK;
  return mode === 0xa0 || mode === 0xe0 ? Mode.Invalid : (mode as Mode);
}

/** Bytes moved by an access of the given size (0 for `Size.Invalid`). */
export function sizeBytes(size: Size): number {
  switch (size) {
    case Size.B:
      return 1;
    case Size.H:
      return 2;
    case Size.W:
      return 4;
    case Size.DW:
      return 8;
    default:
      return 0;
  }
}

/** Builds a load/store opcode. */
export function loadStoreOpcode(cls: InsnClass, mode: Mode, size: Size): number {
  return (mode | size | cls) & 0xff;
}
