import { Inject, Injectable, Logger } from '@nestjs/common';
import { sha256Hex } from '@bpfleet/signing';
import type { Job } from 'bullmq';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';
import type { ProgramVersionEntity } from '../entities/program-version.entity.js';
import { verificationJobId, type VerificationJobData } from '../jobs/queues.js';
import { ProgramRepository } from '../repositories/program.repository.js';
import { VerificationRepository } from '../repositories/verification.repository.js';
import { PROGRAM_VERIFIER, type ProgramVerifier } from '../verification/program-verifier.js';
import { ArtifactService } from './artifact.service.js';
import { KernelMatrixService } from './kernel-matrix.service.js';
import { MetricsService } from './metrics.service.js';
import { QueueService } from './queue.service.js';
import { SigningKeyService } from './signing-key.service.js';

/**
 * Verification of a version against every kernel profile of the fleet: one BullMQ job per profile;
 * when the last one settles, the version is signed and its artifact published (all passed), or
 * rejected (any failed), or marked error (a job exhausted its retries).
 */
@Injectable()
export class VerificationService {
  private readonly logger = new Logger(VerificationService.name);

  constructor(
    @Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig,
    @Inject(PROGRAM_VERIFIER) private readonly verifier: ProgramVerifier,
    private readonly queues: QueueService,
    private readonly programs: ProgramRepository,
    private readonly verifications: VerificationRepository,
    private readonly matrix: KernelMatrixService,
    private readonly signing: SigningKeyService,
    private readonly artifacts: ArtifactService,
    private readonly metrics: MetricsService,
  ) {}

  /** Queue one job per kernel profile of the matrix (idempotent per version × profile). */
  async enqueue(version: ProgramVersionEntity): Promise<string[]> {
    const { profiles } = await this.matrix.profiles();
    for (const kernelProfile of profiles) {
      const jobId = verificationJobId(version.id, kernelProfile);
      // A job that already ran to completion or failure keeps its id: remove it so a re-run can be queued.
      const old = await this.queues.verification.getJob(jobId);
      if (old && ((await old.isCompleted()) || (await old.isFailed()))) await old.remove();
      await this.verifications.upsertRun(version.id, kernelProfile, 'queued', jobId);
      await this.queues.verification.add(
        'verify',
        { versionId: version.id, kernelProfile },
        { jobId, attempts: this.config.VERIFY_ATTEMPTS, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: { age: 30 * 24 * 3600 } },
      );
    }
    await this.programs.setStatus(version.id, 'verifying');
    return profiles;
  }

  /** The job body: run the verifier and record its verdicts for this profile. */
  async run(job: Job<VerificationJobData>): Promise<{ passed: number; failed: number }> {
    const { versionId, kernelProfile } = job.data;
    const version = await this.programs.getVersionById(versionId);
    const object = await this.programs.getObject(versionId);
    if (!version || !object) throw new Error(`version ${versionId} no longer exists`);
    await this.verifications.upsertRun(versionId, kernelProfile, 'running', job.id ?? '', job.attemptsMade + 1);
    await job.updateProgress(10);
    const started = performance.now();
    const verdicts = await this.verifier.verify(new Uint8Array(object), kernelProfile);
    const durationMs = performance.now() - started;
    await job.updateProgress(80);
    const failed = verdicts.filter((v) => v.verdict === 'fail').length;
    await this.verifications.recordVerdicts(
      versionId,
      kernelProfile,
      verdicts.map((v) => ({
        versionId,
        kernelProfile,
        programName: v.program,
        section: v.section,
        verdict: v.verdict,
        processedInsns: v.processedInsns,
        error: v.error ?? null,
        log: v.log,
        verifier: this.verifier.name,
        durationMs: durationMs / Math.max(1, verdicts.length),
      })),
      failed > 0 || verdicts.length === 0 ? 'failed' : 'passed',
      job.attemptsMade + 1,
    );
    this.metrics.verifications.inc({ verdict: failed > 0 ? 'fail' : 'pass' });
    await job.updateProgress(90);
    await this.settle(versionId);
    await job.updateProgress(100);
    return { passed: verdicts.length - failed, failed };
  }

  /** A job that exhausted its retries: record the error and settle the version. */
  async giveUp(data: VerificationJobData, jobId: string, reason: string, attempts: number): Promise<void> {
    await this.verifications.upsertRun(data.versionId, data.kernelProfile, 'error', jobId, attempts, reason);
    await this.queues.verificationDeadLetter.add('dead', { ...data, jobId, reason, attempts }, { removeOnComplete: false });
    this.metrics.verifications.inc({ verdict: 'error' });
    await this.settle(data.versionId);
  }

  private async settle(versionId: string): Promise<void> {
    await this.verifications.withVersionLock(versionId, async () => {
      const runs = await this.verifications.listRuns(versionId);
      if (runs.some((r) => r.state === 'queued' || r.state === 'running')) return;
      const version = await this.programs.getVersionById(versionId);
      if (!version || version.status === 'signed') return;
      if (runs.some((r) => r.state === 'error')) return this.programs.setStatus(versionId, 'error');
      if (runs.some((r) => r.state === 'failed')) return this.programs.setStatus(versionId, 'rejected');
      await this.signAndPublish(version);
    });
  }

  private async signAndPublish(version: ProgramVersionEntity): Promise<void> {
    const object = await this.programs.getObject(version.id);
    const program = await this.programs.getProgramName(version.programId);
    if (!object || !program) throw new Error(`version ${version.id} vanished while signing`);
    // Re-hash what is stored: never sign bytes that differ from the recorded digest.
    if (sha256Hex(object) !== version.digest) throw new Error(`stored object of version ${version.id} does not match its digest`);
    const signature = this.signing.sign({ digest: version.digest, program, version: version.version });
    const objectKey = await this.artifacts.put(version.digest, object);
    await this.verifications.saveSignature({ versionId: version.id, algorithm: 'ed25519', signature, publicKey: this.signing.publicKeyPem, objectKey });
    await this.programs.setStatus(version.id, 'signed');
    this.logger.log(`signed ${program} v${version.version} (${version.digest.slice(0, 12)})`);
  }
}
