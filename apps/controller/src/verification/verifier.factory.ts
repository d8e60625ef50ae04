import { BpfleetVerifier } from './bpfleet-verifier.js';
import type { ProgramVerifier } from './program-verifier.js';

/** The verifier the verification jobs run: the central abstract-interpretation verifier. */
export function createProgramVerifier(): ProgramVerifier {
  return new BpfleetVerifier();
}
