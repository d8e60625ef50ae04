import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { AuditLogEntity } from '../entities/audit-log.entity.js';

@Injectable()
export class AuditRepository {
  private readonly repo: Repository<AuditLogEntity>;
  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(AuditLogEntity);
  }

  async append(entry: Omit<AuditLogEntity, 'id'>): Promise<void> {
    await this.repo.save(this.repo.create(entry));
  }

  listRecent(limit: number, before?: string): Promise<AuditLogEntity[]> {
    const q = this.repo.createQueryBuilder('a').orderBy('a.id', 'DESC').limit(limit);
    if (before !== undefined) q.where('a.id < :before', { before });
    return q.getMany();
  }
}
