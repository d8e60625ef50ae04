/** A verification failure at an instruction, carrying the kernel's message (thrown inside the checker). */
export class VerifyFail extends Error {
  readonly code = 'EBPF_VERIFY';
  constructor(
    readonly insn: number,
    message: string,
  ) {
    super(message);
    this.name = 'VerifyFail';
  }
}
