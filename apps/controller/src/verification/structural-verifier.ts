import { decodeInstructions } from '@bpfleet/isa';
import { inspectObject } from '../elf/object-inspector.js';
import { VerifierUnavailableError, type ProgramVerdict, type ProgramVerifier } from './program-verifier.js';

/**
 * Structural checks only (decodable instructions, instruction limit of the kernel profile, ends in
 * exit or a jump): used while the abstract-interpretation verifier is not available in this build.
 * Results carry its name so a structural pass is never mistaken for a full verification.
 */
export class StructuralVerifier implements ProgramVerifier {
  readonly name = 'bpfleet-structural 0.1.0';
  private static readonly limits: Readonly<Record<string, number>> = { '4.9': 4096, '4.14': 4096, '4.19': 4096, '5.4': 1_000_000, '5.10': 1_000_000, '5.15': 1_000_000, '6.1': 1_000_000, '6.6': 1_000_000 };

  profiles(): readonly string[] {
    return Object.keys(StructuralVerifier.limits);
  }

  async verify(elf: Uint8Array, kernelProfile: string): Promise<readonly ProgramVerdict[]> {
    const limit = StructuralVerifier.limits[kernelProfile];
    if (limit === undefined) throw new VerifierUnavailableError(`unknown kernel profile ${kernelProfile}`);
    return inspectObject(elf).programs.map((p): ProgramVerdict => {
      const base = { program: p.name, section: p.section };
      let count: number;
      let lastOpcode: number | undefined;
      try {
        const insns = decodeInstructions(p.code);
        count = insns.length;
        lastOpcode = insns[insns.length - 1]?.opcode;
      } catch (e) {
        return { ...base, verdict: 'fail', processedInsns: 0, error: (e as Error).message, log: (e as Error).message };
      }
      if (count > limit) {
        const error = `program is too large: ${count} insns, the ${kernelProfile} kernel allows ${limit}`;
        return { ...base, verdict: 'fail', processedInsns: 0, error, log: error };
      }
      if (lastOpcode !== 0x95 && lastOpcode !== 0x05) {
        const error = `last insn is not an exit or jump`;
        return { ...base, verdict: 'fail', processedInsns: count, error, log: `${count - 1}: ${error}` };
      }
      return { ...base, verdict: 'pass', processedInsns: count, log: `structural checks passed: ${count} insns (limit ${limit})` };
    });
  }
}
