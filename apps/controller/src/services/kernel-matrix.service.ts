import { Inject, Injectable } from '@nestjs/common';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';
import { AgentRepository } from '../repositories/agent.repository.js';
import { PROGRAM_VERIFIER, type ProgramVerifier } from '../verification/program-verifier.js';

function parseVersion(text: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function compare(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/**
 * The kernel profile a release maps to: the newest profile not newer than the release (a 5.12 kernel is
 * judged as 5.10). Releases older than every profile map to the oldest.
 */
export function profileForRelease(release: string, profiles: readonly string[]): string {
  const sorted = profiles.map((p) => ({ p, v: parseVersion(p) })).filter((x): x is { p: string; v: [number, number] } => x.v !== undefined).sort((a, b) => compare(a.v, b.v));
  const r = parseVersion(release);
  if (sorted.length === 0) throw new Error('the verifier knows no kernel profiles');
  if (!r) return sorted[0]!.p;
  let best = sorted[0]!.p;
  for (const s of sorted) if (compare(s.v, r) <= 0) best = s.p;
  return best;
}

/** Which kernel profiles every version is verified against. */
@Injectable()
export class KernelMatrixService {
  constructor(
    @Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig,
    @Inject(PROGRAM_VERIFIER) private readonly verifier: ProgramVerifier,
    private readonly agents: AgentRepository,
  ) {}

  profileForRelease(release: string): string {
    return profileForRelease(release, this.verifier.profiles());
  }

  /** Pinned by config, else the profiles of the agents not offline, else the configured defaults. */
  async profiles(): Promise<{ profiles: string[]; source: 'pinned' | 'agents' | 'default' }> {
    if (this.config.KERNEL_PROFILES && this.config.KERNEL_PROFILES.length > 0) return { profiles: [...this.config.KERNEL_PROFILES], source: 'pinned' };
    const fromAgents = await this.agents.kernelProfiles();
    if (fromAgents.length > 0) return { profiles: fromAgents, source: 'agents' };
    return { profiles: [...this.config.DEFAULT_KERNEL_PROFILES], source: 'default' };
  }
}
