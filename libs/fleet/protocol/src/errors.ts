export type ProtocolErrorCode =
  | 'TOO_LARGE'
  | 'MALFORMED_JSON'
  | 'UNSUPPORTED_VERSION'
  | 'WRONG_KIND'
  | 'INVALID_MESSAGE'
  | 'INVALID_AGENT_ID'
  | 'INVALID_PREFIX';

export interface ProtocolIssue {
  /** Dotted path into the message (`programs.0.digest`), empty for the root. */
  readonly path: string;
  readonly message: string;
}

/** Every decode/encode failure: never a crash, always one of these with a code and the reasons. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    readonly context: { readonly kind?: string; readonly issues?: readonly ProtocolIssue[]; readonly size?: number; readonly limit?: number } = {},
  ) {
    super(message);
  }
}
