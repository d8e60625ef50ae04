/**
 * What the verification job needs from a verifier: verdicts for every program of an object under one
 * kernel profile. The controller depends on this interface only; the implementation is chosen in the
 * verification module.
 */
export interface ProgramVerdict {
  readonly program: string;
  readonly section: string;
  readonly verdict: 'pass' | 'fail';
  readonly processedInsns: number;
  /** The one-line reason when it fails (`R0 invalid mem access 'map_value_or_null'`). */
  readonly error?: string;
  readonly log: string;
}

export interface ProgramVerifier {
  /** Name and version stored with every result (`bpfleet-verifier 0.1.0`). */
  readonly name: string;
  /** Kernel profiles this verifier knows (`4.9`, `5.10`, `6.1`, ...). */
  profiles(): readonly string[];
  verify(elf: Uint8Array, kernelProfile: string): Promise<readonly ProgramVerdict[]>;
}

export const PROGRAM_VERIFIER = Symbol('PROGRAM_VERIFIER');

/** A verifier could not judge the object at all (bad input, unknown profile): a job failure, not a verdict. */
export class VerifierUnavailableError extends Error {
  override readonly name = 'VerifierUnavailableError';
  readonly code = 'VERIFIER_ERROR';
}
