import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NatsService } from '../nats/nats.service.js';
import { RedisService } from './redis.service.js';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<'postgres' | 'redis' | 'nats', { ok: boolean; ms: number; error?: string }>;
}

@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: RedisService,
    private readonly nats: NatsService,
  ) {}

  async readiness(): Promise<ReadinessReport> {
    const check = async (fn: () => Promise<unknown>) => {
      const start = performance.now();
      try {
        await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 2 s')), 2000).unref())]);
        return { ok: true, ms: Math.round(performance.now() - start) };
      } catch (e) {
        return { ok: false, ms: Math.round(performance.now() - start), error: (e as Error).message };
      }
    };
    const [postgres, redis, nats] = await Promise.all([check(() => this.dataSource.query('SELECT 1')), check(() => this.redis.ping()), check(() => this.nats.ping())]);
    return { ready: postgres.ok && redis.ok && nats.ok, checks: { postgres, redis, nats } };
  }
}
