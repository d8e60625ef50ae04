import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';

/** Redis connections: one for health checks and queues; workers get their own (they block). */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis;
  private readonly extra: Redis[] = [];

  constructor(@Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig) {
    this.client = this.connect();
  }

  /** BullMQ needs maxRetriesPerRequest: null on connections its workers use. */
  connect(): Redis {
    const redis = new Redis(this.config.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: false });
    if (this.client) this.extra.push(redis);
    return redis;
  }

  async ping(): Promise<void> {
    const pong = await this.client.ping();
    if (pong !== 'PONG') throw new Error(`unexpected PING reply ${pong}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.client, ...this.extra].map((r) => r.quit().catch(() => r.disconnect())));
  }
}
