import { BadRequestException, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { sha256Hex } from '@bpfleet/signing';
import type { Principal } from '../auth/principal.js';
import type { JobProgressDto, ProfileReportDto, ProgramDto, UploadProgramDto, UploadResultDto, VerificationReportDto, VersionDto } from '../dtos/program.dto.js';
import type { ProgramVersionEntity } from '../entities/program-version.entity.js';
import type { ProgramEntity } from '../entities/program.entity.js';
import { InvalidObjectError, ObjectValidator } from '../verification/object-validator.js';
import { ProgramRepository } from '../repositories/program.repository.js';
import { VerificationRepository } from '../repositories/verification.repository.js';
import { MetricsService } from './metrics.service.js';
import { QueueService } from './queue.service.js';
import { VerificationService } from './verification.service.js';

@Injectable()
export class ProgramService {
  constructor(
    private readonly programs: ProgramRepository,
    private readonly verifications: VerificationRepository,
    private readonly verification: VerificationService,
    private readonly queues: QueueService,
    private readonly validator: ObjectValidator,
    private readonly metrics: MetricsService,
  ) {}

  async upload(principal: Principal, fields: UploadProgramDto, file: { buffer: Buffer; size: number } | undefined): Promise<UploadResultDto> {
    if (!file || file.size === 0) throw new BadRequestException('missing the ELF object: send it as the multipart file field "object"');
    let objectPrograms;
    try {
      objectPrograms = this.validator.programsOf(new Uint8Array(file.buffer.buffer, file.buffer.byteOffset, file.buffer.byteLength));
    } catch (e) {
      this.metrics.uploads.inc({ outcome: 'invalid' });
      if (e instanceof InvalidObjectError) throw new UnprocessableEntityException(`invalid eBPF object (${e.code}): ${e.message}`);
      throw e;
    }
    if (fields.source !== undefined && fields.sourceLang === undefined) throw new BadRequestException('sourceLang (c or asm) is required with source');
    const digest = sha256Hex(file.buffer);
    const existingProgram = await this.programs.getByName(fields.name);
    let parentVersionId: string | null = null;
    if (existingProgram) {
      const same = await this.programs.getByDigest(existingProgram.id, digest);
      if (same) {
        this.metrics.uploads.inc({ outcome: 'existing' });
        return { created: false, version: await this.toVersionDto(fields.name, same), queuedProfiles: [] };
      }
      const parent = fields.parentVersion !== undefined ? await this.programs.getVersion(existingProgram.id, fields.parentVersion) : (await this.programs.listVersions(existingProgram.id))[0];
      if (fields.parentVersion !== undefined && !parent) throw new NotFoundException(`parent version ${fields.parentVersion} of ${fields.name} not found`);
      parentVersionId = parent?.id ?? null;
    } else if (fields.parentVersion !== undefined) {
      throw new NotFoundException(`parent version ${fields.parentVersion}: program ${fields.name} has no versions yet`);
    }
    const { version, created } = await this.programs.addVersion(fields.name, fields.description ?? null, {
      digest,
      size: file.size,
      object: file.buffer,
      source: fields.source ?? null,
      sourceLang: fields.sourceLang ?? null,
      uploader: principal.name,
      parentVersionId,
      objectPrograms: objectPrograms.map((p) => ({ name: p.name, section: p.section })),
    });
    this.metrics.uploads.inc({ outcome: created ? 'created' : 'existing' });
    const queuedProfiles = created ? await this.verification.enqueue(version) : [];
    const fresh = (await this.programs.getVersionById(version.id)) ?? version;
    return { created, version: await this.toVersionDto(fields.name, fresh), queuedProfiles };
  }

  async list(): Promise<ProgramDto[]> {
    return (await this.programs.list()).map((r) => toProgramDto(r.program, r.versions, r.latestVersion));
  }

  async get(name: string): Promise<ProgramDto> {
    const program = await this.requireProgram(name);
    const versions = await this.programs.listVersions(program.id);
    return toProgramDto(program, versions.length, versions[0]?.version ?? null);
  }

  async versions(name: string): Promise<VersionDto[]> {
    const program = await this.requireProgram(name);
    const versions = await this.programs.listVersions(program.id);
    return Promise.all(versions.map((v) => this.toVersionDto(name, v, versions)));
  }

  async version(name: string, number: number): Promise<VersionDto> {
    const { version } = await this.requireVersion(name, number);
    return this.toVersionDto(name, version);
  }

  async verificationReport(name: string, number: number, profile?: string): Promise<VerificationReportDto> {
    const { version } = await this.requireVersion(name, number);
    const runs = (await this.verifications.listRuns(version.id)).filter((r) => profile === undefined || r.kernelProfile === profile);
    if (profile !== undefined && runs.length === 0) throw new NotFoundException(`${name} v${number} was not verified against kernel profile ${profile}`);
    const results = await this.verifications.listResults(version.id, profile);
    const profiles: ProfileReportDto[] = await Promise.all(
      runs.map(async (run) => ({
        kernelProfile: run.kernelProfile,
        state: run.state,
        attempts: run.attempts,
        error: run.error,
        job: await this.jobProgress(run.jobId),
        results: results
          .filter((r) => r.kernelProfile === run.kernelProfile)
          .map((r) => ({ program: r.programName, section: r.section, verdict: r.verdict, processedInsns: r.processedInsns, error: r.error, log: r.log, verifier: r.verifier, durationMs: r.durationMs })),
      })),
    );
    return { version: await this.toVersionDto(name, version), profiles };
  }

  async download(name: string, number: number): Promise<{ bytes: Buffer; digest: string; fileName: string }> {
    const { version } = await this.requireVersion(name, number);
    const bytes = await this.programs.getObject(version.id);
    if (!bytes) throw new NotFoundException(`${name} v${number} has no object`);
    return { bytes, digest: version.digest, fileName: `${name}-v${number}.bpf.o` };
  }

  async reverify(name: string, number: number): Promise<UploadResultDto> {
    const { version } = await this.requireVersion(name, number);
    if (version.status === 'signed') throw new BadRequestException(`${name} v${number} is already signed`);
    const queuedProfiles = await this.verification.enqueue(version);
    return { created: false, version: await this.toVersionDto(name, (await this.programs.getVersionById(version.id)) ?? version), queuedProfiles };
  }

  private async jobProgress(jobId: string): Promise<JobProgressDto | null> {
    const job = await this.queues.verification.getJob(jobId);
    if (!job) return null;
    const progress = typeof job.progress === 'number' ? job.progress : 0;
    return { state: await job.getState(), progress, attemptsMade: job.attemptsMade, failedReason: job.failedReason ?? null };
  }

  private async requireProgram(name: string): Promise<ProgramEntity> {
    const program = await this.programs.getByName(name);
    if (!program) throw new NotFoundException(`program ${name} not found`);
    return program;
  }

  private async requireVersion(name: string, number: number): Promise<{ program: ProgramEntity; version: ProgramVersionEntity }> {
    const program = await this.requireProgram(name);
    const version = await this.programs.getVersion(program.id, number);
    if (!version) throw new NotFoundException(`program ${name} has no version ${number}`);
    return { program, version };
  }

  private async toVersionDto(program: string, v: ProgramVersionEntity, siblings?: readonly ProgramVersionEntity[]): Promise<VersionDto> {
    const parent = v.parentVersionId === null ? null : (siblings?.find((s) => s.id === v.parentVersionId) ?? (await this.programs.getVersionById(v.parentVersionId)));
    const signature = v.status === 'signed' ? await this.verifications.getSignature(v.id) : null;
    return {
      id: v.id,
      program,
      version: v.version,
      digest: v.digest,
      size: v.size,
      status: v.status,
      uploader: v.uploader,
      parentVersion: parent?.version ?? null,
      sourceLang: v.sourceLang,
      programs: v.objectPrograms,
      createdAt: v.createdAt.toISOString(),
      signature: signature?.signature ?? null,
    };
  }
}

function toProgramDto(p: ProgramEntity, versions: number, latestVersion: number | null): ProgramDto {
  return { id: p.id, name: p.name, description: p.description, versions, latestVersion, createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString() };
}
