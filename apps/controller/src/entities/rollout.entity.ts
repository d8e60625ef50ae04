import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type RolloutState = 'running' | 'paused' | 'completed' | 'aborted' | 'rolling_back' | 'rolled_back';
export type TargetState = 'pending' | 'desired' | 'loaded' | 'failed' | 'skipped' | 'rolled_back';

export type RolloutStrategy = { readonly type: 'all' } | { readonly type: 'canary'; readonly percent: number; readonly waves: number; readonly pauseSeconds: number };

export interface HealthGate {
  /** Failed loads tolerated across the rollout before it rolls back. */
  readonly maxFailedLoads: number;
  /** Agent errors (increase since the target got the version) tolerated before it rolls back. */
  readonly maxAgentErrors: number;
  /** A wave must stay healthy this long after its last load before the next one starts. */
  readonly minHealthySeconds: number;
  /** Program overhead: most average run time per run (ns) on any agent, from the agents' run counters. */
  readonly maxAvgRunNs?: number;
  /** Program overhead: most CPU time on any agent, percent of one CPU since the target loaded it. */
  readonly maxCpuPercent?: number;
  /** Runs an agent must have counted before its average run time is judged (default 100). */
  readonly minRuns?: number;
  /** What a failed gate does: roll back (default) or pause for an operator. */
  readonly action?: GateAction;
}

export type GateAction = 'rollback' | 'pause';

@Entity('rollouts')
export class RolloutEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'program_id', type: 'uuid' })
  programId!: string;

  @Column({ name: 'version_id', type: 'uuid' })
  versionId!: string;

  @Column({ name: 'previous_version_id', type: 'uuid', nullable: true })
  previousVersionId!: string | null;

  @Column({ type: 'jsonb' })
  selector!: Record<string, string>;

  @Column({ type: 'jsonb' })
  strategy!: RolloutStrategy;

  @Column({ name: 'health_gate', type: 'jsonb' })
  healthGate!: HealthGate;

  @Column({ type: 'text' })
  state!: RolloutState;

  @Column({ name: 'current_wave', type: 'integer' })
  currentWave!: number;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity('rollout_targets')
export class RolloutTargetEntity {
  @PrimaryColumn({ name: 'rollout_id', type: 'uuid' })
  rolloutId!: string;

  @PrimaryColumn({ name: 'agent_id', type: 'text' })
  agentId!: string;

  @Column({ type: 'integer' })
  wave!: number;

  @Column({ type: 'text' })
  state!: TargetState;

  @Column({ type: 'text', nullable: true })
  detail!: string | null;

  @Column({ name: 'agent_errors_baseline', type: 'integer' })
  agentErrorsBaseline!: number;

  @Column({ name: 'loaded_at', type: 'timestamptz', nullable: true })
  loadedAt!: Date | null;

  /** The program's version in the agent's desired state before this rollout wrote it (null = none). */
  @Column({ name: 'previous_version', type: 'integer', nullable: true })
  previousVersion!: number | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
