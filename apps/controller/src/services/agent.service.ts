import { Inject, Injectable } from '@nestjs/common';
import type { AgentDto, AgentQueryDto, KernelMatrixDto } from '../dtos/agent.dto.js';
import type { AgentEntity } from '../entities/agent.entity.js';
import { AgentRepository } from '../repositories/agent.repository.js';
import { PROGRAM_VERIFIER, type ProgramVerifier } from '../verification/program-verifier.js';
import { KernelMatrixService } from './kernel-matrix.service.js';

export function parseSelector(selector: string | undefined): Record<string, string> {
  if (!selector) return {};
  return Object.fromEntries(selector.split(',').map((pair) => pair.split('=', 2) as [string, string]));
}

@Injectable()
export class AgentService {
  constructor(
    private readonly agents: AgentRepository,
    private readonly matrix: KernelMatrixService,
    @Inject(PROGRAM_VERIFIER) private readonly verifier: ProgramVerifier,
  ) {}

  async list(query: AgentQueryDto): Promise<AgentDto[]> {
    return (await this.agents.list({ status: query.status, labels: parseSelector(query.selector) })).map(toAgentDto);
  }

  async kernelMatrix(): Promise<KernelMatrixDto> {
    const { profiles, source } = await this.matrix.profiles();
    return { profiles, source, known: [...this.verifier.profiles()] };
  }
}

export function toAgentDto(a: AgentEntity): AgentDto {
  return {
    id: a.id,
    hostname: a.hostname,
    labels: a.labels,
    kernelRelease: a.kernelRelease,
    kernelProfile: a.kernelProfile,
    btf: a.btf,
    capabilities: a.capabilities,
    cpus: a.cpus,
    runtime: a.runtime,
    agentVersion: a.agentVersion,
    status: a.status,
    programs: a.programs,
    agentErrors: a.agentErrors,
    firstSeen: a.firstSeen.toISOString(),
    lastSeen: a.lastSeen.toISOString(),
  };
}
