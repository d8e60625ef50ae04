import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException, type OnModuleInit } from '@nestjs/common';
import type { DesiredProgram, StatusReport } from '@bpfleet/protocol';
import type { Principal } from '../auth/principal.js';
import type { CreateRolloutDto, RolloutDto } from '../dtos/rollout.dto.js';
import type { AgentEntity } from '../entities/agent.entity.js';
import type { ProgramVersionEntity } from '../entities/program-version.entity.js';
import type { HealthGate, RolloutEntity, RolloutStrategy, RolloutTargetEntity } from '../entities/rollout.entity.js';
import { AgentRepository } from '../repositories/agent.repository.js';
import { ProgramRepository } from '../repositories/program.repository.js';
import { RolloutRepository } from '../repositories/rollout.repository.js';
import { VerificationRepository } from '../repositories/verification.repository.js';
import { AgentRegistryService } from './agent-registry.service.js';
import { DesiredStateService } from './desired-state.service.js';
import { QueueService } from './queue.service.js';
import { planWaves } from './rollout-plan.js';

const WRITE_PARALLELISM = 64;
/** Runs an agent must have counted before its average run time is judged, unless the gate says otherwise. */
const DEFAULT_MIN_RUNS = 100;
/** CPU share is judged only after the version ran this long on an agent (run time over a shorter span is noise). */
const MIN_CPU_WINDOW_MS = 1000;

/**
 * Rollouts: the state machine that writes desired state wave by wave, watches agent status and
 * rolls back when the health gate fails.
 *
 *   running ──wave settled, gate ok, last wave──> completed
 *   running ──gate failed──> rolling_back ──> rolled_back      (automatic, previous version restored)
 *   running <──pause / resume──> paused;  running|paused ──abort──> aborted;  any active ──rollback──> rolled_back
 *
 * Targets: pending ─(wave written)─> desired ─(agent status)─> loaded | failed; skipped when the version
 * did not pass verification for the agent's kernel; rolled_back when undone.
 */
@Injectable()
export class RolloutService implements OnModuleInit {
  private readonly logger = new Logger(RolloutService.name);

  constructor(
    private readonly rollouts: RolloutRepository,
    private readonly programs: ProgramRepository,
    private readonly verifications: VerificationRepository,
    private readonly agents: AgentRepository,
    private readonly desired: DesiredStateService,
    private readonly registry: AgentRegistryService,
    private readonly queues: QueueService,
  ) {}

  onModuleInit(): void {
    this.registry.onStatus((report) => this.onStatus(report));
  }

  async create(principal: Principal, dto: CreateRolloutDto): Promise<RolloutDto> {
    const program = await this.programs.getByName(dto.program);
    if (!program) throw new NotFoundException(`program ${dto.program} not found`);
    const version = await this.programs.getVersion(program.id, dto.version);
    if (!version) throw new NotFoundException(`program ${dto.program} has no version ${dto.version}`);
    if (version.status !== 'signed') throw new BadRequestException(`${dto.program} v${dto.version} is ${version.status}: only signed versions can be rolled out`);
    if (await this.rollouts.activeForProgram(program.id)) throw new ConflictException(`${dto.program} already has an active rollout: pause, abort or finish it first`);
    for (const [k, v] of Object.entries(dto.selector ?? {})) {
      if (typeof v !== 'string' || !/^[A-Za-z0-9_./-]{1,63}$/.test(k)) throw new BadRequestException(`selector ${k}: labels are name -> string`);
    }
    const strategy: RolloutStrategy = dto.strategy.type === 'all' ? { type: 'all' } : { type: 'canary', percent: dto.strategy.percent ?? 10, waves: dto.strategy.waves ?? 1, pauseSeconds: dto.strategy.pauseSeconds ?? 0 };
    const g = dto.healthGate;
    const healthGate: HealthGate = {
      maxFailedLoads: g?.maxFailedLoads ?? 0,
      maxAgentErrors: g?.maxAgentErrors ?? 0,
      minHealthySeconds: g?.minHealthySeconds ?? 0,
      ...(g?.maxAvgRunNs !== undefined ? { maxAvgRunNs: g.maxAvgRunNs } : {}),
      ...(g?.maxCpuPercent !== undefined ? { maxCpuPercent: g.maxCpuPercent } : {}),
      ...(g?.maxAvgRunNs !== undefined || g?.maxCpuPercent !== undefined ? { minRuns: g.minRuns ?? DEFAULT_MIN_RUNS } : {}),
      action: g?.action ?? 'rollback',
    };

    const agents = (await this.agents.list({ labels: dto.selector ?? {} })).filter((a) => a.status !== 'offline');
    if (agents.length === 0) throw new BadRequestException('no online agent matches the selector');
    const runs = new Map((await this.verifications.listRuns(version.id)).map((r) => [r.kernelProfile, r.state]));
    const eligible: AgentEntity[] = [];
    const skipped: { agentId: string; detail: string }[] = [];
    for (const a of agents) {
      const state = runs.get(a.kernelProfile);
      if (state === 'passed') eligible.push(a);
      else skipped.push({ agentId: a.id, detail: state === undefined ? `not verified for kernel profile ${a.kernelProfile}` : `verification ${state} on kernel profile ${a.kernelProfile}` });
    }
    if (eligible.length === 0) throw new BadRequestException(`no matching agent runs a kernel ${dto.program} v${dto.version} passed verification for (${skipped[0]?.detail})`);
    const waves = planWaves(eligible.map((a) => a.id), strategy);
    const previousVersionId = await this.rollouts.lastCompletedVersion(program.id);
    const rollout = await this.rollouts.create(
      { programId: program.id, versionId: version.id, previousVersionId, selector: dto.selector ?? {}, strategy, healthGate, state: 'running', currentWave: 0, reason: null, createdBy: principal.name },
      [
        ...eligible.map((a) => ({ agentId: a.id, wave: waves.get(a.id)!, state: 'pending' as const, detail: null, agentErrorsBaseline: a.agentErrors, loadedAt: null, previousVersion: null })),
        ...skipped.map((s) => ({ agentId: s.agentId, wave: -1, state: 'skipped' as const, detail: s.detail, agentErrorsBaseline: 0, loadedAt: null, previousVersion: null })),
      ],
    );
    await this.rollouts.withLock(rollout.id, () => this.writeWave(rollout, 0));
    return this.get(rollout.id);
  }

  async get(id: string, withTargets = true): Promise<RolloutDto> {
    const r = await this.rollouts.getById(id);
    if (!r) throw new NotFoundException(`rollout ${id} not found`);
    const targets = await this.rollouts.listTargets(id);
    const version = await this.programs.getVersionById(r.versionId);
    const previous = r.previousVersionId ? await this.programs.getVersionById(r.previousVersionId) : null;
    const counts: Record<string, number> = {};
    for (const t of targets) counts[t.state] = (counts[t.state] ?? 0) + 1;
    return {
      id: r.id,
      program: (await this.programs.getProgramName(r.programId)) ?? '',
      version: version?.version ?? 0,
      previousVersion: previous?.version ?? null,
      selector: r.selector,
      strategy: r.strategy,
      healthGate: r.healthGate,
      state: r.state,
      currentWave: r.currentWave,
      waves: Math.max(0, ...targets.map((t) => t.wave)) + 1,
      reason: r.reason,
      createdBy: r.createdBy,
      createdAt: r.createdAt.toISOString(),
      counts,
      ...(withTargets ? { targets: targets.map((t) => ({ agentId: t.agentId, wave: t.wave, state: t.state, detail: t.detail, previousVersion: t.previousVersion, updatedAt: t.updatedAt.toISOString() })) } : {}),
    };
  }

  async list(): Promise<RolloutDto[]> {
    return Promise.all((await this.rollouts.list()).map((r) => this.get(r.id, false)));
  }

  async pause(id: string, reason?: string): Promise<RolloutDto> {
    await this.transition(id, ['running'], async () => this.rollouts.setState(id, 'paused', reason ?? 'paused by hand'));
    return this.get(id);
  }

  async resume(id: string): Promise<RolloutDto> {
    await this.transition(id, ['paused'], async () => this.rollouts.setState(id, 'running', null));
    await this.advance(id);
    return this.get(id);
  }

  async abort(id: string, reason?: string): Promise<RolloutDto> {
    await this.transition(id, ['running', 'paused'], async () => this.rollouts.setState(id, 'aborted', reason ?? 'aborted by hand'));
    return this.get(id);
  }

  async rollback(id: string, reason?: string): Promise<RolloutDto> {
    await this.transition(id, ['running', 'paused', 'completed', 'aborted'], async (r) => this.rollBack(r, reason ?? 'rolled back by hand'));
    return this.get(id);
  }

  private async transition(id: string, from: readonly RolloutEntity['state'][], fn: (r: RolloutEntity) => Promise<void>): Promise<void> {
    await this.rollouts.withLock(id, async () => {
      const r = await this.rollouts.getById(id);
      if (!r) throw new NotFoundException(`rollout ${id} not found`);
      if (!from.includes(r.state)) throw new ConflictException(`rollout is ${r.state}: allowed only when ${from.join(' or ')}`);
      await fn(r);
    });
  }

  /** Agent status → target states, then move the affected rollouts on. */
  async onStatus(report: StatusReport): Promise<void> {
    const pending = await this.rollouts.pendingTargetsForAgent(report.agentId);
    for (const p of pending) {
      const status = report.programs.find((s) => s.program === p.program && s.version === p.version);
      if (!status) continue;
      if (status.state === 'loaded' && p.targetState === 'loaded') {
        // Fresh run counters of a loaded target: only an overhead gate has something to re-check.
        if (p.healthGate.maxAvgRunNs === undefined && p.healthGate.maxCpuPercent === undefined) continue;
      } else if (status.state === 'loaded' && p.targetState === 'desired') {
        await this.rollouts.setTarget(p.rolloutId, report.agentId, { state: 'loaded', detail: status.runtime ? `${status.runtime.kind}: ${status.runtime.reason}` : null, loadedAt: new Date() });
      } else if (status.state === 'failed') {
        await this.rollouts.setTarget(p.rolloutId, report.agentId, { state: 'failed', detail: `${status.error?.code ?? 'FAILED'}: ${status.error?.message ?? 'load failed'}` });
      } else continue;
      this.requestAdvance(p.rolloutId);
    }
  }

  private readonly advancing = new Map<string, { running: Promise<void>; again: boolean }>();

  /**
   * Coalesce advances: a burst of status reports (hundreds of agents loading at once) costs one
   * evaluation in flight plus at most one queued behind it, not one per report.
   */
  requestAdvance(id: string): Promise<void> {
    const current = this.advancing.get(id);
    if (current) {
      current.again = true;
      return current.running;
    }
    const state = { running: Promise.resolve(), again: false };
    state.running = (async () => {
      try {
        do {
          state.again = false;
          await this.advance(id).catch((e: unknown) => this.logger.error(`rollout ${id}: advance failed: ${(e as Error).message}`));
        } while (state.again);
      } finally {
        this.advancing.delete(id);
      }
    })();
    this.advancing.set(id, state);
    return state.running;
  }

  /** Re-evaluate a running rollout: gate, wave completion, next wave or completion. */
  async advance(id: string): Promise<void> {
    await this.rollouts.withLock(id, async () => {
      const r = await this.rollouts.getById(id);
      if (!r || r.state !== 'running') return;
      const targets = (await this.rollouts.listTargets(id)).filter((t) => t.state !== 'skipped');
      const started = targets.filter((t) => t.wave <= r.currentWave);
      const failed = started.filter((t) => t.state === 'failed').length;
      const agentErrors = await this.agentErrorsSince(started);
      if (failed > r.healthGate.maxFailedLoads) return this.gateFailed(r, `health gate: ${failed} failed loads > ${r.healthGate.maxFailedLoads}`);
      if (agentErrors > r.healthGate.maxAgentErrors) return this.gateFailed(r, `health gate: ${agentErrors} agent errors > ${r.healthGate.maxAgentErrors}`);
      const overhead = await this.overheadExceeded(r, started);
      if (overhead) return this.gateFailed(r, `health gate: ${overhead}`);
      const wave = started.filter((t) => t.wave === r.currentWave);
      if (wave.some((t) => t.state === 'pending' || t.state === 'desired')) return;
      const settledAt = Math.max(...wave.map((t) => (t.loadedAt ?? t.updatedAt).getTime()));
      const pause = r.strategy.type === 'canary' ? r.strategy.pauseSeconds : 0;
      const readyAt = settledAt + (r.healthGate.minHealthySeconds + pause) * 1000;
      if (Date.now() < readyAt) {
        await this.schedule(id, readyAt - Date.now());
        return;
      }
      const next = targets.filter((t) => t.wave > r.currentWave).reduce((m, t) => Math.min(m, t.wave), Infinity);
      if (next === Infinity) {
        await this.rollouts.setState(id, 'completed', null);
        this.logger.log(`rollout ${id} completed`);
        return;
      }
      await this.writeWave(r, next);
    });
  }

  /** A failed gate rolls back, or pauses for an operator when the gate says so. */
  private async gateFailed(r: RolloutEntity, reason: string): Promise<void> {
    if (r.healthGate.action === 'pause') {
      await this.rollouts.setState(r.id, 'paused', reason);
      this.logger.warn(`rollout ${r.id} paused: ${reason}`);
      return;
    }
    await this.rollBack(r, reason);
  }

  /**
   * Program overhead from the run counters agents report with their status (kernel bpf_stats or the
   * VM's): the first loaded target over `maxAvgRunNs` per run (after `minRuns` runs) or over
   * `maxCpuPercent` of one CPU since it loaded the version, as a reason; null when within limits.
   */
  private async overheadExceeded(r: RolloutEntity, started: readonly RolloutTargetEntity[]): Promise<string | null> {
    const { maxAvgRunNs, maxCpuPercent } = r.healthGate;
    if (maxAvgRunNs === undefined && maxCpuPercent === undefined) return null;
    const loaded = started.filter((t) => t.state === 'loaded');
    if (loaded.length === 0) return null;
    const program = await this.programs.getProgramName(r.programId);
    const version = (await this.programs.getVersionById(r.versionId))?.version;
    const minRuns = r.healthGate.minRuns ?? DEFAULT_MIN_RUNS;
    const agents = await this.agents.programStatuses(loaded.map((t) => t.agentId));
    for (const t of loaded) {
      const agent = agents.get(t.agentId);
      const s = agent?.programs.find((p) => p.program === program && p.version === version && p.state === 'loaded');
      if (!agent || !s || s.runCount === undefined || s.runTimeNs === undefined) continue;
      if (maxAvgRunNs !== undefined && s.runCount >= minRuns) {
        const avg = s.runTimeNs / s.runCount;
        if (avg > maxAvgRunNs) return `${t.agentId} runs ${program} v${version} in ${Math.round(avg)} ns on average > ${maxAvgRunNs} (${s.runCount} runs)`;
      }
      const windowMs = t.loadedAt ? agent.lastSeen.getTime() - t.loadedAt.getTime() : 0;
      if (maxCpuPercent !== undefined && windowMs >= MIN_CPU_WINDOW_MS) {
        const percent = (s.runTimeNs / (windowMs * 1e6)) * 100;
        if (percent > maxCpuPercent) return `${t.agentId} spends ${percent.toPrecision(3)}% of a CPU in ${program} v${version} > ${maxCpuPercent}%`;
      }
    }
    return null;
  }

  private async agentErrorsSince(targets: readonly RolloutTargetEntity[]): Promise<number> {
    const watched = targets.filter((t) => t.state === 'desired' || t.state === 'loaded' || t.state === 'failed');
    if (watched.length === 0) return 0;
    const agents = await this.agents.errorCounts(watched.map((t) => t.agentId));
    return watched.reduce((sum, t) => sum + Math.max(0, (agents.get(t.agentId) ?? 0) - t.agentErrorsBaseline), 0);
  }

  private async desiredEntry(version: ProgramVersionEntity, rolloutId: string): Promise<DesiredProgram> {
    const signature = await this.verifications.getSignature(version.id);
    const program = await this.programs.getProgramName(version.programId);
    if (!signature || !program) throw new Error(`version ${version.id} is not signed`);
    return { program, version: version.version, digest: version.digest, signature: signature.signature, objectKey: signature.objectKey, rolloutId };
  }

  private async writeWave(r: RolloutEntity, wave: number): Promise<void> {
    const version = await this.programs.getVersionById(r.versionId);
    if (!version) throw new Error(`rollout ${r.id}: version vanished`);
    const entry = await this.desiredEntry(version, r.id);
    const targets = (await this.rollouts.listTargets(r.id)).filter((t) => t.wave === wave && t.state === 'pending');
    const errors = await this.agents.errorCounts(targets.map((t) => t.agentId));
    await this.rollouts.setState(r.id, 'running', null, wave);
    // Targets are `desired` before their key is written, so no status report can beat the state change.
    await this.rollouts.markDesired(r.id, new Map(targets.map((t) => [t.agentId, errors.get(t.agentId) ?? 0])));
    const previous = new Map<string, number | null>();
    await parallel(targets, WRITE_PARALLELISM, async (t) => {
      previous.set(t.agentId, (await this.desired.setProgram(t.agentId, entry.program, entry))?.version ?? null);
    });
    await this.rollouts.setPreviousVersions(r.id, previous);
    this.logger.log(`rollout ${r.id}: wave ${wave} written to ${targets.length} agents`);
  }

  /** Put back, per agent, the version it had before this rollout (or remove the program if none). */
  private async rollBack(r: RolloutEntity, reason: string): Promise<void> {
    await this.rollouts.setState(r.id, 'rolling_back', reason);
    const program = (await this.programs.getProgramName(r.programId)) ?? '';
    const entries = new Map<number, DesiredProgram>();
    const touched = (await this.rollouts.listTargets(r.id)).filter((t) => t.state === 'desired' || t.state === 'loaded' || t.state === 'failed');
    for (const n of new Set(touched.map((t) => t.previousVersion).filter((v): v is number => v !== null))) {
      const version = await this.programs.getVersion(r.programId, n);
      if (version) entries.set(n, await this.desiredEntry(version, r.id));
    }
    await parallel(touched, WRITE_PARALLELISM, async (t) => {
      await this.desired.setProgram(t.agentId, program, t.previousVersion === null ? null : (entries.get(t.previousVersion) ?? null));
      await this.rollouts.setTarget(r.id, t.agentId, { state: 'rolled_back', detail: t.previousVersion === null ? 'program removed' : `back to v${t.previousVersion}` });
    });
    await this.rollouts.setState(r.id, 'rolled_back', reason);
    this.logger.warn(`rollout ${r.id} rolled back on ${touched.length} agents: ${reason}`);
  }

  private async schedule(id: string, delayMs: number): Promise<void> {
    await this.queues.rollouts.add('advance', { rolloutId: id }, { delay: Math.max(0, Math.ceil(delayMs)) + 50, jobId: `advance-${id}-${Date.now()}`, removeOnComplete: true, removeOnFail: 100 });
  }
}

async function parallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
