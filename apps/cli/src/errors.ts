/** Exit codes every command uses: 0 ok, 1 the input was refused, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;

/** A usage error (bad flag value, missing argument): exit 2 with the message. */
export class UsageError extends Error {
  readonly code = 'EUSAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The input was refused (unreadable file, bad object, rejected program): exit 1 with the message. */
export class RefusedError extends Error {
  readonly code = 'EREFUSED';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_REFUSED,
  ) {
    super(message);
    this.name = 'RefusedError';
  }
}
