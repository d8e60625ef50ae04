import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type Repository } from 'typeorm';
import { ApiTokenEntity, type Role } from '../entities/api-token.entity.js';

@Injectable()
export class ApiTokenRepository {
  private readonly repo: Repository<ApiTokenEntity>;
  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ApiTokenEntity);
  }

  getActiveByHash(tokenHash: string): Promise<ApiTokenEntity | null> {
    return this.repo.findOne({ where: { tokenHash, revokedAt: IsNull() } });
  }

  countActiveAdmins(): Promise<number> {
    return this.repo.count({ where: { role: 'admin', revokedAt: IsNull() } });
  }

  existsByHash(tokenHash: string): Promise<boolean> {
    return this.repo.exists({ where: { tokenHash } });
  }

  create(name: string, role: Role, tokenHash: string): Promise<ApiTokenEntity> {
    return this.repo.save(this.repo.create({ name, role, tokenHash, lastUsedAt: null, revokedAt: null }));
  }

  list(): Promise<ApiTokenEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC' } });
  }

  getById(id: string): Promise<ApiTokenEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  async revoke(id: string): Promise<void> {
    await this.repo.update({ id }, { revokedAt: new Date() });
  }

  async touch(id: string): Promise<void> {
    await this.repo.update({ id }, { lastUsedAt: new Date() });
  }
}
