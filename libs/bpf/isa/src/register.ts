/** eBPF registers (RFC 9669 §2.5): r0 return value, r1-r5 arguments, r6-r9 callee-saved, r10 frame pointer. */
export type Register = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

export const R0 = 0;
export const R1 = 1;
export const R2 = 2;
export const R3 = 3;
export const R4 = 4;
export const R5 = 5;
export const R6 = 6;
export const R7 = 7;
export const R8 = 8;
export const R9 = 9;
/** The read-only frame pointer. */
export const R10 = 10;
export const RFP = R10;

/** Number of architectural registers; the 4-bit fields can also hold the invalid values 11..15. */
export const REGISTER_COUNT = 11;

export function isRegister(value: number): value is Register {
  return Number.isInteger(value) && value >= 0 && value < REGISTER_COUNT;
}
