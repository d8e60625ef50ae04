/** Why BTF bytes were refused. */
export type BtfErrorCode =
  | 'E_TRUNCATED' // a read ran past the end of the section
  | 'E_MAGIC' // wrong magic number
  | 'E_VERSION' // unsupported BTF version
  | 'E_HEADER' // header fields inconsistent with the section size
  | 'E_STRING' // string offset out of range or unterminated
  | 'E_KIND' // unknown type kind
  | 'E_TYPE_ID' // reference to a type id that does not exist
  | 'E_LIMIT' // a configured limit (types, members, depth, size) was exceeded
  | 'E_LOOP' // a reference cycle (typedef loop etc.)
  | 'E_DECODE' // value bytes do not fit the type
  | 'E_EXT'; // malformed .BTF.ext

/** Typed error for malformed or hostile BTF / BTF.ext input. `offset` is the byte offset where it went wrong. */
export class BtfError extends Error {
  constructor(
    readonly code: BtfErrorCode,
    message: string,
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at offset ${offset})`);
    this.name = 'BtfError';
  }
}
