import { parseObject } from './object-validator.js';
import { VerifierUnavailableError, type ProgramVerdict, type ProgramVerifier } from './program-verifier.js';

/**
 * Structural checks only (the object loads and links, instruction limit of the kernel profile, every
 * path can end: the last instruction is an exit or a jump). Used while the abstract-interpretation
 * verifier is not available in this build; results carry its name so a structural pass is never
 * mistaken for a full verification.
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
    return parseObject(elf).programs.map((p): ProgramVerdict => {
      const base = { program: p.name, section: p.section };
      const count = p.insns.length;
      if (count > limit) {
        const error = `program is too large: ${count} insns, the ${kernelProfile} kernel allows ${limit}`;
        return { ...base, verdict: 'fail', processedInsns: 0, error, log: error };
      }
      const last = p.insns[count - 1]?.opcode;
      if (last !== 0x95 && last !== 0x05) {
        const error = `last insn is not an exit or jump`;
        return { ...base, verdict: 'fail', processedInsns: count, error, log: `${count - 1}: ${error}` };
      }
      return { ...base, verdict: 'pass', processedInsns: count, log: `structural checks passed: ${count} insns (limit ${limit})` };
    });
  }
}
