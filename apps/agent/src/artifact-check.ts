import type { KeyObject } from 'node:crypto';
import type { DesiredProgram } from '@bpfleet/protocol';
import { sha256Hex, verifyArtifact } from '@bpfleet/signing';
import { AgentError } from './errors.js';

/**
 * The artifact must hash to the digest the controller named and carry the controller's signature over
 * (digest, program, version); otherwise it is refused before any byte of it is parsed.
 */
export function checkArtifact(publicKey: KeyObject, program: DesiredProgram, bytes: Uint8Array): void {
  const actual = sha256Hex(bytes);
  if (actual !== program.digest) throw new AgentError('DIGEST_MISMATCH', `artifact ${program.objectKey} hashes to ${actual}, the desired state says ${program.digest}`, { program: program.program });
  let valid: boolean;
  try {
    valid = verifyArtifact(publicKey, { digest: program.digest, program: program.program, version: program.version }, program.signature);
  } catch (e) {
    throw new AgentError('BAD_SIGNATURE', `signature cannot be checked: ${(e as Error).message}`, { program: program.program });
  }
  if (!valid) throw new AgentError('BAD_SIGNATURE', `signature over ${program.program} v${program.version} does not verify with the controller's key`, { program: program.program });
}
