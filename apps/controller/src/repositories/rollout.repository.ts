import { Injectable } from '@nestjs/common';
import { DataSource, In, type Repository } from 'typeorm';
import { RolloutEntity, RolloutTargetEntity, type HealthGate, type RolloutState, type TargetState } from '../entities/rollout.entity.js';

@Injectable()
export class RolloutRepository {
  private readonly rollouts: Repository<RolloutEntity>;
  private readonly targets: Repository<RolloutTargetEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.rollouts = dataSource.getRepository(RolloutEntity);
    this.targets = dataSource.getRepository(RolloutTargetEntity);
  }

  async create(rollout: Omit<RolloutEntity, 'id' | 'createdAt' | 'updatedAt'>, targets: readonly Omit<RolloutTargetEntity, 'rolloutId' | 'updatedAt'>[]): Promise<RolloutEntity> {
    return this.dataSource.transaction(async (m) => {
      const saved = await m.getRepository(RolloutEntity).save(m.getRepository(RolloutEntity).create(rollout));
      if (targets.length > 0) await m.getRepository(RolloutTargetEntity).insert(targets.map((t) => ({ ...t, rolloutId: saved.id })));
      return saved;
    });
  }

  getById(id: string): Promise<RolloutEntity | null> {
    return this.rollouts.findOne({ where: { id } });
  }

  list(limit = 100): Promise<RolloutEntity[]> {
    return this.rollouts.find({ order: { createdAt: 'DESC' }, take: limit });
  }

  /** A running or paused rollout of this program, if any (one at a time per program). */
  activeForProgram(programId: string): Promise<RolloutEntity | null> {
    return this.rollouts.findOne({ where: { programId, state: In(['running', 'paused', 'rolling_back']) } });
  }

  /** The version the latest completed rollout of this program deployed: what a rollback returns to. */
  async lastCompletedVersion(programId: string): Promise<string | null> {
    const r = await this.rollouts.findOne({ where: { programId, state: 'completed' }, order: { updatedAt: 'DESC' } });
    return r?.versionId ?? null;
  }

  listTargets(rolloutId: string): Promise<RolloutTargetEntity[]> {
    return this.targets.find({ where: { rolloutId }, order: { wave: 'ASC', agentId: 'ASC' } });
  }

  /** Targets an agent's status report may settle: in a running rollout, waiting for this program. */
  async pendingTargetsForAgent(agentId: string): Promise<{ rolloutId: string; program: string; version: number; targetState: TargetState; healthGate: HealthGate }[]> {
    return this.dataSource.query(
      `SELECT r.id AS "rolloutId", p.name AS program, v.version AS version, t.state AS "targetState", r.health_gate AS "healthGate"
       FROM rollout_targets t JOIN rollouts r ON r.id = t.rollout_id
       JOIN programs p ON p.id = r.program_id JOIN program_versions v ON v.id = r.version_id
       WHERE t.agent_id = $1 AND t.state IN ('desired', 'loaded') AND r.state IN ('running', 'paused')`,
      [agentId],
    );
  }

  async setState(id: string, state: RolloutState, reason: string | null = null, currentWave?: number): Promise<void> {
    await this.rollouts.update({ id }, { state, reason, ...(currentWave === undefined ? {} : { currentWave }) });
  }

  async setTarget(rolloutId: string, agentId: string, fields: Partial<Pick<RolloutTargetEntity, 'state' | 'detail' | 'agentErrorsBaseline' | 'loadedAt' | 'previousVersion'>>): Promise<void> {
    await this.targets.update({ rolloutId, agentId }, fields);
  }

  async setTargets(rolloutId: string, agentIds: readonly string[], state: TargetState, detail: string | null = null): Promise<void> {
    if (agentIds.length === 0) return;
    await this.targets.update({ rolloutId, agentId: In([...agentIds]) }, { state, detail });
  }

  /** Mark a wave's targets desired with their agents' error baselines, in one statement. */
  async markDesired(rolloutId: string, baselines: ReadonlyMap<string, number>): Promise<void> {
    if (baselines.size === 0) return;
    await this.dataSource.query(
      `UPDATE rollout_targets t SET state = 'desired', agent_errors_baseline = b.errors, updated_at = now()
       FROM unnest($2::text[], $3::int[]) AS b(agent_id, errors) WHERE t.rollout_id = $1 AND t.agent_id = b.agent_id`,
      [rolloutId, [...baselines.keys()], [...baselines.values()]],
    );
  }

  async setPreviousVersions(rolloutId: string, previous: ReadonlyMap<string, number | null>): Promise<void> {
    if (previous.size === 0) return;
    await this.dataSource.query(
      `UPDATE rollout_targets t SET previous_version = p.version
       FROM unnest($2::text[], $3::int[]) AS p(agent_id, version) WHERE t.rollout_id = $1 AND t.agent_id = p.agent_id`,
      [rolloutId, [...previous.keys()], [...previous.values()]],
    );
  }

  async withLock<T>(rolloutId: string, fn: () => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('rollout:' || $1))`, [rolloutId]);
      return fn();
    });
  }
}
