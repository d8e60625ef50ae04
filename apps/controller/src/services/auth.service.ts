import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';
import type { Role } from '../entities/api-token.entity.js';
import type { Principal } from '../auth/principal.js';
import { ApiTokenRepository } from '../repositories/api-token.repository.js';
import type { CreatedTokenDto, TokenDto } from '../dtos/token.dto.js';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  constructor(
    private readonly tokens: ApiTokenRepository,
    @Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig,
  ) {}

  /** The principal for a bearer token, or undefined when it is unknown or revoked. */
  async authenticate(token: string): Promise<Principal | undefined> {
    if (token.length < 16 || token.length > 256) return undefined;
    // Lookup by the hash of a 256-bit random token: nothing to learn from timing.
    const row = await this.tokens.getActiveByHash(hashToken(token));
    if (!row) return undefined;
    void this.tokens.touch(row.id).catch(() => undefined);
    return { tokenId: row.id, name: row.name, role: row.role };
  }

  /**
   * First start: make sure an admin can log in. BOOTSTRAP_ADMIN_TOKEN is registered if given (and not
   * yet known); otherwise, when no admin exists, a token is generated into BOOTSTRAP_TOKEN_FILE (0600).
   */
  async bootstrapAdmin(): Promise<void> {
    const given = this.config.BOOTSTRAP_ADMIN_TOKEN;
    if (given !== undefined) {
      if (!(await this.tokens.existsByHash(hashToken(given)))) {
        await this.tokens.create('bootstrap-admin', 'admin', hashToken(given));
        this.logger.log('registered the bootstrap admin token from the environment');
      }
      return;
    }
    if ((await this.tokens.countActiveAdmins()) > 0) return;
    const file = this.config.BOOTSTRAP_TOKEN_FILE;
    if (existsSync(file)) {
      this.logger.warn(`no active admin token, but ${file} exists: not overwriting it; set BOOTSTRAP_ADMIN_TOKEN`);
      return;
    }
    const token = newToken();
    await this.tokens.create('bootstrap-admin', 'admin', hashToken(token));
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    this.logger.log(`generated the bootstrap admin token into ${file}`);
  }

  async create(name: string, role: Role): Promise<CreatedTokenDto> {
    const token = newToken();
    const row = await this.tokens.create(name, role, hashToken(token));
    return { ...toDto(row), token };
  }

  async list(): Promise<TokenDto[]> {
    return (await this.tokens.list()).map(toDto);
  }

  async revoke(id: string): Promise<void> {
    const row = await this.tokens.getById(id);
    if (!row) throw new NotFoundException(`token ${id} not found`);
    await this.tokens.revoke(id);
  }
}

function newToken(): string {
  return `bpf_${randomBytes(32).toString('base64url')}`;
}

function toDto(row: { id: string; name: string; role: Role; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }): TokenDto {
  return { id: row.id, name: row.name, role: row.role, createdAt: row.createdAt.toISOString(), lastUsedAt: row.lastUsedAt?.toISOString() ?? null, revokedAt: row.revokedAt?.toISOString() ?? null };
}
