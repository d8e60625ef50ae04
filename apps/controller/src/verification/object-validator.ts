import { Injectable } from '@nestjs/common';
import { ElfError, loadBpfObject, type BpfObject, type ElfErrorCode } from '@bpfleet/elf';

export type InvalidObjectCode = 'NOT_ELF' | 'TRUNCATED' | 'NOT_BPF' | 'UNSUPPORTED' | 'MALFORMED' | 'NO_PROGRAMS';

/** An upload that is not a usable eBPF object: the reason goes back to the caller, nothing is stored. */
export class InvalidObjectError extends Error {
  override readonly name = 'InvalidObjectError';
  constructor(
    readonly code: InvalidObjectCode,
    message: string,
    readonly elfCode?: ElfErrorCode,
  ) {
    super(message);
  }
}

const codeFor: Partial<Record<ElfErrorCode, InvalidObjectCode>> = {
  E_NOT_ELF: 'NOT_ELF',
  E_TRUNCATED: 'TRUNCATED',
  E_MACHINE: 'NOT_BPF',
  E_CLASS: 'UNSUPPORTED',
  E_ENDIAN: 'UNSUPPORTED',
  E_TYPE: 'UNSUPPORTED',
  E_TOO_LARGE: 'UNSUPPORTED',
};

/** Parse an upload with the ELF loader (the same one the verifier and agents use). */
export function parseObject(bytes: Uint8Array): BpfObject {
  let object: BpfObject;
  try {
    object = loadBpfObject(bytes);
  } catch (e) {
    if (e instanceof ElfError) throw new InvalidObjectError(codeFor[e.code] ?? 'MALFORMED', e.message, e.code);
    throw e;
  }
  if (object.programs.length === 0) throw new InvalidObjectError('NO_PROGRAMS', 'the object holds no eBPF program');
  return object;
}

@Injectable()
export class ObjectValidator {
  /** The programs of a valid object; InvalidObjectError otherwise. */
  programsOf(bytes: Uint8Array): readonly { name: string; section: string }[] {
    return parseObject(bytes).programs.map((p) => ({ name: p.name, section: p.section }));
  }
}
