export type SigningErrorCode = 'INVALID_KEY' | 'KEY_FILE_UNREADABLE' | 'INVALID_SIGNATURE_ENCODING' | 'INVALID_DIGEST' | 'INVALID_SUBJECT';

export class SigningError extends Error {
  override readonly name = 'SigningError';
  constructor(
    readonly code: SigningErrorCode,
    message: string,
    readonly context: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
  }
}
