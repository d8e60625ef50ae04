import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type RunState = 'queued' | 'running' | 'passed' | 'failed' | 'error';

/** One verification job: a version against one kernel profile. */
@Entity('verification_runs')
export class VerificationRunEntity {
  @PrimaryColumn({ name: 'version_id', type: 'uuid' })
  versionId!: string;

  @PrimaryColumn({ name: 'kernel_profile', type: 'text' })
  kernelProfile!: string;

  @Column({ type: 'text' })
  state!: RunState;

  @Column({ name: 'job_id', type: 'text' })
  jobId!: string;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** The verdict for one program of the object under one kernel profile. */
@Entity('verification_results')
export class VerificationResultEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'version_id', type: 'uuid' })
  versionId!: string;

  @Column({ name: 'kernel_profile', type: 'text' })
  kernelProfile!: string;

  @Column({ name: 'program_name', type: 'text' })
  programName!: string;

  @Column({ type: 'text' })
  section!: string;

  @Column({ type: 'text' })
  verdict!: 'pass' | 'fail';

  @Column({ name: 'processed_insns', type: 'integer' })
  processedInsns!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'text' })
  log!: string;

  @Column({ type: 'text' })
  verifier!: string;

  @Column({ name: 'duration_ms', type: 'double precision' })
  durationMs!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity('signatures')
export class SignatureEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'version_id', type: 'uuid', unique: true })
  versionId!: string;

  @Column({ type: 'text' })
  algorithm!: string;

  @Column({ type: 'text' })
  signature!: string;

  @Column({ name: 'public_key', type: 'text' })
  publicKey!: string;

  @Column({ name: 'object_key', type: 'text' })
  objectKey!: string;

  @CreateDateColumn({ name: 'signed_at', type: 'timestamptz' })
  signedAt!: Date;
}
