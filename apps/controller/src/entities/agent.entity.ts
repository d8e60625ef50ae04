import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Announce, ProgramStatus } from '@bpfleet/protocol';

export type AgentStatus = 'online' | 'stale' | 'offline';

@Entity('agents')
export class AgentEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  hostname!: string;

  @Column({ type: 'jsonb' })
  labels!: Record<string, string>;

  @Column({ name: 'kernel_release', type: 'text' })
  kernelRelease!: string;

  /** The verifier kernel profile this release maps to (e.g. `6.1`). */
  @Column({ name: 'kernel_profile', type: 'text' })
  kernelProfile!: string;

  @Column({ type: 'boolean' })
  btf!: boolean;

  @Column({ type: 'jsonb' })
  capabilities!: Announce['capabilities'];

  @Column({ type: 'integer' })
  cpus!: number;

  @Column({ type: 'text' })
  runtime!: Announce['runtime'];

  @Column({ name: 'agent_version', type: 'text' })
  agentVersion!: string;

  @Column({ type: 'text' })
  status!: AgentStatus;

  @Column({ type: 'jsonb' })
  programs!: ProgramStatus[];

  @Column({ name: 'agent_errors', type: 'integer' })
  agentErrors!: number;

  @Column({ name: 'first_seen', type: 'timestamptz' })
  firstSeen!: Date;

  @Column({ name: 'last_seen', type: 'timestamptz' })
  lastSeen!: Date;
}
