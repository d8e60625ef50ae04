/** BPF_PROG_TEST_RUN refused its input; `errno` is what the kernel returns for the same input. */
export class TestRunError extends Error {
  readonly code = 'ETESTRUN';
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = 'TestRunError';
  }
}
