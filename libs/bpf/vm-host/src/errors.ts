/** A program stopped in the VM (fault, instruction budget) or a host-side failure, with a stable code. */
export class VmHostError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly context: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'VmHostError';
  }
}
