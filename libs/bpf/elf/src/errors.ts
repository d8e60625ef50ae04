/** Why an ELF object was refused. */
export type ElfErrorCode =
  | 'E_TOO_LARGE' // input bigger than the configured limit
  | 'E_TRUNCATED' // a header, table or section runs past the end of the file
  | 'E_NOT_ELF' // no ELF magic
  | 'E_CLASS' // not ELF64
  | 'E_ENDIAN' // not little-endian
  | 'E_MACHINE' // not EM_BPF
  | 'E_TYPE' // not a relocatable object (ET_REL)
  | 'E_SECTION' // malformed section header or table
  | 'E_SYMBOL' // malformed symbol
  | 'E_RELOCATION' // relocation that cannot be applied
  | 'E_PROGRAM' // malformed program code (partial instruction, bad call target)
  | 'E_MAP' // malformed map definition
  | 'E_BTF' // .BTF or .BTF.ext is malformed (the BtfError is the cause)
  | 'E_LIMIT' // a configured limit (instructions, programs) was exceeded
  | 'E_INTERNAL'; // an unexpected failure inside the loader (a bug): still typed, never a crash

/** Typed error for a malformed, hostile or unsupported ELF object; `context` names where it happened. */
export class ElfError extends Error {
  constructor(
    readonly code: ElfErrorCode,
    message: string,
    readonly context: { readonly section?: string; readonly symbol?: string; readonly offset?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(context.section ? `${context.section}: ${message}` : message, options);
    this.name = 'ElfError';
  }
}
