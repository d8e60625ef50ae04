import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import { SignatureEntity, VerificationResultEntity, VerificationRunEntity, type RunState } from '../entities/verification.entity.js';

export type NewResult = Omit<VerificationResultEntity, 'id' | 'createdAt'>;

@Injectable()
export class VerificationRepository {
  private readonly runs: Repository<VerificationRunEntity>;
  private readonly results: Repository<VerificationResultEntity>;
  private readonly signatures: Repository<SignatureEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.runs = dataSource.getRepository(VerificationRunEntity);
    this.results = dataSource.getRepository(VerificationResultEntity);
    this.signatures = dataSource.getRepository(SignatureEntity);
  }

  async upsertRun(versionId: string, kernelProfile: string, state: RunState, jobId: string, attempts = 0, error: string | null = null): Promise<void> {
    await this.runs.upsert({ versionId, kernelProfile, state, jobId, attempts, error }, ['versionId', 'kernelProfile']);
  }

  listRuns(versionId: string): Promise<VerificationRunEntity[]> {
    return this.runs.find({ where: { versionId }, order: { kernelProfile: 'ASC' } });
  }

  listResults(versionId: string, kernelProfile?: string): Promise<VerificationResultEntity[]> {
    return this.results.find({ where: kernelProfile === undefined ? { versionId } : { versionId, kernelProfile }, order: { kernelProfile: 'ASC', programName: 'ASC' } });
  }

  /** Replace a profile's results and settle its run in one transaction. */
  async recordVerdicts(versionId: string, kernelProfile: string, results: readonly NewResult[], state: RunState, attempts: number): Promise<void> {
    await this.dataSource.transaction(async (m: EntityManager) => {
      await m.delete(VerificationResultEntity, { versionId, kernelProfile });
      if (results.length > 0) await m.insert(VerificationResultEntity, [...results]);
      await m.update(VerificationRunEntity, { versionId, kernelProfile }, { state, attempts, error: null });
    });
  }

  getSignature(versionId: string): Promise<SignatureEntity | null> {
    return this.signatures.findOne({ where: { versionId } });
  }

  async saveSignature(signature: Omit<SignatureEntity, 'id' | 'signedAt'>): Promise<void> {
    await this.signatures.upsert(signature, ['versionId']);
  }

  /** Run `fn` holding an advisory lock on the version, so only one job settles it. */
  async withVersionLock<T>(versionId: string, fn: () => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [versionId]);
      return fn();
    });
  }
}
