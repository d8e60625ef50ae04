import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Announce, Heartbeat, StatusReport } from '@bpfleet/protocol';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';
import { AgentRepository } from '../repositories/agent.repository.js';
import { KernelMatrixService } from './kernel-matrix.service.js';

export type AgentStatusListener = (report: StatusReport) => Promise<void>;

/** What the controller learns from agents: registration, liveness and per-program status. */
@Injectable()
export class AgentRegistryService {
  private readonly logger = new Logger(AgentRegistryService.name);
  private readonly statusListeners: AgentStatusListener[] = [];

  constructor(
    @Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig,
    private readonly agents: AgentRepository,
    private readonly matrix: KernelMatrixService,
  ) {}

  /** Rollouts register here to watch agent status. */
  onStatus(listener: AgentStatusListener): void {
    this.statusListeners.push(listener);
  }

  async announce(m: Announce): Promise<void> {
    await this.agents.upsert({
      id: m.agentId,
      hostname: m.hostname,
      labels: m.labels,
      kernelRelease: m.kernel.release,
      kernelProfile: this.matrix.profileForRelease(m.kernel.release),
      btf: m.kernel.btf,
      capabilities: m.capabilities,
      cpus: m.cpus,
      runtime: m.runtime,
      agentVersion: m.agentVersion,
      status: 'online',
      lastSeen: new Date(),
    });
  }

  /** False when the agent is unknown (it must announce first). */
  heartbeat(m: Heartbeat): Promise<boolean> {
    return this.agents.heartbeat(m.agentId, new Date(), m.agentErrors);
  }

  async status(m: StatusReport): Promise<boolean> {
    const known = await this.agents.setPrograms(m.agentId, m.programs, new Date());
    if (!known) return false;
    for (const listener of this.statusListeners) {
      await listener(m).catch((e: unknown) => this.logger.error(`status listener failed for ${m.agentId}: ${(e as Error).message}`));
    }
    return true;
  }

  /** Stale after AGENT_STALE_SECONDS without a message, offline after AGENT_OFFLINE_SECONDS. */
  markByAge(now = Date.now()): Promise<number> {
    return this.agents.markByAge(new Date(now - this.config.AGENT_STALE_SECONDS * 1000), new Date(now - this.config.AGENT_OFFLINE_SECONDS * 1000));
  }
}
