import { PROFILES, kernelProfile, verifyProgram } from '@bpfleet/verifier';
import { parseObject } from './object-validator.js';
import { VerifierUnavailableError, type ProgramVerdict, type ProgramVerifier } from './program-verifier.js';

const MAX_LOG = 256 * 1024;

/** The central abstract-interpretation verifier (@bpfleet/verifier) behind the controller's interface. */
export class BpfleetVerifier implements ProgramVerifier {
  readonly name = 'bpfleet-verifier 0.1.0';

  profiles(): readonly string[] {
    return PROFILES.map((p) => p.name);
  }

  async verify(elf: Uint8Array, profileName: string): Promise<readonly ProgramVerdict[]> {
    if (!this.profiles().includes(profileName)) throw new VerifierUnavailableError(`unknown kernel profile ${profileName}`);
    const profile = kernelProfile(profileName);
    const object = parseObject(elf);
    return object.programs.map((program): ProgramVerdict => {
      const result = verifyProgram(object, program, { profile, logLevel: 1 });
      const error = result.error ? (result.error.line ? `${result.error.message} (${result.error.line})` : result.error.message) : undefined;
      return {
        program: program.name,
        section: program.section,
        verdict: result.accepted ? 'pass' : 'fail',
        processedInsns: result.insnsProcessed,
        ...(error === undefined ? {} : { error }),
        // The verdict is at the end of a long log: keep the tail.
        log: result.log.length > MAX_LOG ? `...\n${result.log.slice(-MAX_LOG)}` : result.log,
      };
    });
  }
}
