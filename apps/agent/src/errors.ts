/** An agent failure with a stable code (also what a program's status reports) and context. */
export class AgentError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly context: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'AgentError';
  }
}
