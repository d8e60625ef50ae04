/** What is wrong with an instruction or program, as a stable code for callers to switch on. */
export type InvalidReason =
  | 'unknown-opcode'
  | 'reserved-field'
  | 'bad-register'
  | 'readonly-register'
  | 'bad-imm'
  | 'bad-offset'
  | 'bad-lddw'
  | 'jump-out-of-range'
  | 'jump-into-lddw'
  | 'falls-off-end'
  | 'empty-program'
  | 'uninitialized-register';

/** An instruction (or a whole program) that is not valid eBPF; `insn` is the slot index. */
export class InvalidInstructionError extends Error {
  readonly code = 'EBPF_INVALID';
  constructor(
    readonly insn: number,
    readonly reason: InvalidReason,
    readonly detail: string,
  ) {
    super(`insn ${insn}: ${detail}`);
    this.name = 'InvalidInstructionError';
  }
}
