/** Why a memory access was refused. */
export type VmFaultCode =
  /** The address is in no region (includes NULL and the guard). */
  | 'EFAULT_UNMAPPED'
  /** The address is in a region but the access runs past one of its ends. */
  | 'EFAULT_BOUNDS'
  /** The region does not allow this kind of access (e.g. a store to read-only data). */
  | 'EFAULT_PERM';

/** A program touched memory outside its regions. Carries the faulting instruction and access. */
export class VmFault extends Error {
  constructor(
    readonly code: VmFaultCode,
    /** Instruction index (slot) of the faulting access, -1 when not known (host-side access). */
    public pc: number,
    /** The 64-bit address the program used. */
    readonly address: bigint,
    /** Access size in bytes. */
    readonly size: number,
    /** Whether it was a store. */
    readonly write: boolean,
    /** Name of the region the address fell in, when any. */
    readonly region?: string,
  ) {
    super(VmFault.describe(code, pc, address, size, write, region));
    this.name = 'VmFault';
  }

  private static describe(code: VmFaultCode, pc: number, address: bigint, size: number, write: boolean, region?: string): string {
    const what = `${write ? 'write' : 'read'} of ${size} byte${size === 1 ? '' : 's'} at 0x${address.toString(16)}`;
    const where = pc >= 0 ? `insn ${pc}: ` : '';
    switch (code) {
      case 'EFAULT_UNMAPPED':
        return `${where}invalid memory access: ${what} (unmapped)`;
      case 'EFAULT_BOUNDS':
        return `${where}invalid memory access: ${what} (outside region ${region ?? '?'})`;
      case 'EFAULT_PERM':
        return `${where}invalid memory access: ${what} (region ${region ?? '?'} is ${write ? 'read-only' : 'not readable'})`;
    }
  }
}

/** Codes of `VmError`: everything a run or a load can fail with apart from memory faults. */
export type VmErrorCode =
  /** The instruction budget ran out (a runaway loop). */
  | 'EBUDGET'
  /** An opcode or field the VM does not execute. */
  | 'EINVAL_INSN'
  /** A jump or call target outside the program. */
  | 'EJUMP'
  /** More than MAX_CALL_FRAMES nested bpf-to-bpf calls. */
  | 'ECALLDEPTH'
  /** A helper id the VM does not implement (load time). */
  | 'EHELPER'
  /** A helper failed in a way that must stop the program. */
  | 'EHELPER_FAULT'
  /** A `lddw` map reference that does not resolve. */
  | 'EMAPREF'
  /** The address space is full (load time). */
  | 'ENOMEM'
  /** A bad argument to a host-side API. */
  | 'EINVAL';

/** A typed VM error with the instruction index where it applies (-1 when none). */
export class VmError extends Error {
  constructor(
    readonly code: VmErrorCode,
    message: string,
    public pc = -1,
  ) {
    super(pc >= 0 ? `insn ${pc}: ${message}` : message);
    this.name = 'VmError';
  }
}
