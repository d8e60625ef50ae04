import { Injectable } from '@nestjs/common';
import { DataSource, In, type Repository } from 'typeorm';
import { AgentEntity, type AgentStatus } from '../entities/agent.entity.js';

@Injectable()
export class AgentRepository {
  private readonly repo: Repository<AgentEntity>;
  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(AgentEntity);
  }

  list(filter: { status?: AgentStatus; labels?: Record<string, string> } = {}): Promise<AgentEntity[]> {
    const q = this.repo.createQueryBuilder('a').orderBy('a.id');
    if (filter.status) q.andWhere('a.status = :status', { status: filter.status });
    if (filter.labels && Object.keys(filter.labels).length > 0) q.andWhere('a.labels @> :labels::jsonb', { labels: JSON.stringify(filter.labels) });
    return q.getMany();
  }

  getById(id: string): Promise<AgentEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  async upsert(agent: Omit<AgentEntity, 'firstSeen' | 'programs' | 'agentErrors'>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO agents (id, hostname, labels, kernel_release, kernel_profile, btf, capabilities, cpus, runtime, agent_version, status, last_seen)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (id) DO UPDATE SET hostname = $2, labels = $3, kernel_release = $4, kernel_profile = $5, btf = $6,
         capabilities = $7, cpus = $8, runtime = $9, agent_version = $10, status = $11, last_seen = $12`,
      [agent.id, agent.hostname, JSON.stringify(agent.labels), agent.kernelRelease, agent.kernelProfile, agent.btf, JSON.stringify(agent.capabilities), agent.cpus, agent.runtime, agent.agentVersion, agent.status, agent.lastSeen],
    );
  }

  /** Record a heartbeat; false when the agent never announced itself. */
  async heartbeat(id: string, at: Date, agentErrors: number): Promise<boolean> {
    const r = await this.repo.update({ id }, { lastSeen: at, status: 'online', agentErrors });
    return (r.affected ?? 0) > 0;
  }

  async setPrograms(id: string, programs: AgentEntity['programs'], at: Date): Promise<boolean> {
    const r = await this.repo.update({ id }, { programs, lastSeen: at, status: 'online' });
    return (r.affected ?? 0) > 0;
  }

  /** Mark agents stale/offline by heartbeat age; returns how many changed. */
  async markByAge(staleBefore: Date, offlineBefore: Date): Promise<number> {
    const rows = await this.dataSource.query<unknown[]>(
      `UPDATE agents SET status = CASE WHEN last_seen < $2 THEN 'offline' ELSE 'stale' END
       WHERE last_seen < $1 AND status <> CASE WHEN last_seen < $2 THEN 'offline' ELSE 'stale' END RETURNING id`,
      [staleBefore, offlineBefore],
    );
    return Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
  }

  /** Error counters of some agents (the rollout health gate reads these often: no jsonb columns). */
  /** Per-program status (with run counters) and last message time of some agents. */
  async programStatuses(ids: readonly string[]): Promise<Map<string, { programs: AgentEntity['programs']; lastSeen: Date }>> {
    const rows = await this.repo.find({ where: { id: In([...ids]) }, select: { id: true, programs: true, lastSeen: true } });
    return new Map(rows.map((r) => [r.id, { programs: r.programs, lastSeen: r.lastSeen }]));
  }

  async errorCounts(ids: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<{ id: string; agent_errors: number }[]>(`SELECT id, agent_errors FROM agents WHERE id = ANY($1)`, [ids]);
    return new Map(rows.map((r) => [r.id, r.agent_errors]));
  }

  async kernelProfiles(): Promise<string[]> {
    const rows = await this.dataSource.query<{ kernel_profile: string }[]>(`SELECT DISTINCT kernel_profile FROM agents WHERE status <> 'offline' ORDER BY 1`);
    return rows.map((r) => r.kernel_profile);
  }
}
