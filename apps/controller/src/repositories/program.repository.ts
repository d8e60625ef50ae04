import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import { ProgramVersionEntity, type VersionStatus } from '../entities/program-version.entity.js';
import { ProgramEntity } from '../entities/program.entity.js';

export interface ProgramSummaryRow {
  readonly program: ProgramEntity;
  readonly versions: number;
  readonly latestVersion: number | null;
}

export type NewVersion = Pick<ProgramVersionEntity, 'digest' | 'size' | 'object' | 'source' | 'sourceLang' | 'uploader' | 'parentVersionId' | 'objectPrograms'>;

@Injectable()
export class ProgramRepository {
  private readonly programs: Repository<ProgramEntity>;
  private readonly versions: Repository<ProgramVersionEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.programs = dataSource.getRepository(ProgramEntity);
    this.versions = dataSource.getRepository(ProgramVersionEntity);
  }

  async getProgramName(programId: string): Promise<string | null> {
    return (await this.programs.findOne({ where: { id: programId }, select: { name: true } }))?.name ?? null;
  }

  getByName(name: string): Promise<ProgramEntity | null> {
    return this.programs.findOne({ where: { name } });
  }

  async list(): Promise<ProgramSummaryRow[]> {
    const rows = await this.programs
      .createQueryBuilder('p')
      .leftJoin(ProgramVersionEntity, 'v', 'v.program_id = p.id')
      .select(['p.id AS id', 'p.name AS name', 'p.description AS description', 'p.created_at AS created_at', 'p.updated_at AS updated_at'])
      .addSelect('count(v.id)::int', 'versions')
      .addSelect('max(v.version)', 'latest')
      .groupBy('p.id')
      .orderBy('p.name')
      .getRawMany<{ id: string; name: string; description: string | null; created_at: Date; updated_at: Date; versions: number; latest: number | null }>();
    return rows.map((r) => ({
      program: Object.assign(new ProgramEntity(), { id: r.id, name: r.name, description: r.description, createdAt: r.created_at, updatedAt: r.updated_at }),
      versions: r.versions,
      latestVersion: r.latest,
    }));
  }

  listVersions(programId: string): Promise<ProgramVersionEntity[]> {
    return this.versions.find({ where: { programId }, order: { version: 'DESC' } });
  }

  getVersion(programId: string, version: number): Promise<ProgramVersionEntity | null> {
    return this.versions.findOne({ where: { programId, version } });
  }

  getVersionById(id: string): Promise<ProgramVersionEntity | null> {
    return this.versions.findOne({ where: { id } });
  }

  getByDigest(programId: string, digest: string): Promise<ProgramVersionEntity | null> {
    return this.versions.findOne({ where: { programId, digest } });
  }

  async getObject(versionId: string): Promise<Buffer | null> {
    const row = await this.versions.createQueryBuilder('v').addSelect('v.object').where('v.id = :id', { id: versionId }).getOne();
    return row?.object ?? null;
  }

  async getSource(versionId: string): Promise<string | null> {
    const row = await this.versions.createQueryBuilder('v').addSelect('v.source').where('v.id = :id', { id: versionId }).getOne();
    return row?.source ?? null;
  }

  /**
   * Create the program if needed and add a version with the next number, unless the same bytes are
   * already a version of it (then that one is returned with created = false). Serialised per program
   * by a row lock so concurrent uploads get distinct numbers.
   */
  async addVersion(name: string, description: string | null, data: NewVersion): Promise<{ program: ProgramEntity; version: ProgramVersionEntity; created: boolean }> {
    return this.dataSource.transaction(async (m: EntityManager) => {
      await m.query(`INSERT INTO programs (name, description) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, description]);
      const program = await m.getRepository(ProgramEntity).createQueryBuilder('p').setLock('pessimistic_write').where('p.name = :name', { name }).getOneOrFail();
      const versions = m.getRepository(ProgramVersionEntity);
      const existing = await versions.findOne({ where: { programId: program.id, digest: data.digest } });
      if (existing) return { program, version: existing, created: false };
      const raw = await m.query<{ next: number }[]>(`SELECT coalesce(max(version), 0) + 1 AS next FROM program_versions WHERE program_id = $1`, [program.id]);
      const saved = await versions.save(versions.create({ ...data, programId: program.id, version: raw[0]!.next, status: 'pending' }));
      await m.getRepository(ProgramEntity).update({ id: program.id }, { updatedAt: new Date() });
      const version = await versions.findOneOrFail({ where: { id: saved.id } });
      return { program, version, created: true };
    });
  }

  async setStatus(versionId: string, status: VersionStatus): Promise<void> {
    await this.versions.update({ id: versionId }, { status });
  }
}
