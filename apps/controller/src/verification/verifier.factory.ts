import type { ProgramVerifier } from './program-verifier.js';
import { StructuralVerifier } from './structural-verifier.js';

/** The verifier the verification jobs run. */
export function createProgramVerifier(): ProgramVerifier {
  return new StructuralVerifier();
}
