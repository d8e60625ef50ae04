import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Worker } from 'bullmq';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';
import { RedisService } from '../services/redis.service.js';
import { RolloutService } from '../services/rollout.service.js';
import { ROLLOUT_QUEUE, type RolloutJobData } from './queues.js';

/** Delayed rollout steps: next wave after a pause or the gate's minimum healthy time. */
@Injectable()
export class RolloutProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RolloutProcessor.name);
  private worker?: Worker<RolloutJobData>;

  constructor(
    @Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig,
    private readonly redis: RedisService,
    private readonly rollouts: RolloutService,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker<RolloutJobData>(ROLLOUT_QUEUE, (job) => this.rollouts.requestAdvance(job.data.rolloutId), { connection: this.redis.connect(), prefix: this.config.QUEUE_PREFIX, concurrency: 4 });
    this.worker.on('error', (e) => this.logger.error(`rollout worker: ${e.message}`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
