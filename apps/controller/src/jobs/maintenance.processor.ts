import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';
import { MetricMaintenanceService } from '../services/metric-maintenance.service.js';
import { QueueService } from '../services/queue.service.js';
import { RedisService } from '../services/redis.service.js';
import { MAINTENANCE_QUEUE } from './queues.js';

/** Repeatable jobs: minute rollups every minute, hour rollups and retention every hour. */
@Injectable()
export class MaintenanceProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MaintenanceProcessor.name);
  private worker?: Worker;

  constructor(
    @Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig,
    private readonly redis: RedisService,
    private readonly queues: QueueService,
    private readonly maintenance: MetricMaintenanceService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.MAINTENANCE_JOBS) return;
    const q = this.queues.maintenance;
    await q.upsertJobScheduler('rollup-1m', { every: 60_000 }, { name: 'rollup-1m' });
    await q.upsertJobScheduler('rollup-1h', { every: 3_600_000 }, { name: 'rollup-1h' });
    await q.upsertJobScheduler('retention', { every: 3_600_000 }, { name: 'retention' });
    this.worker = new Worker(MAINTENANCE_QUEUE, (job) => this.run(job), { connection: this.redis.connect(), prefix: this.config.QUEUE_PREFIX, concurrency: 1 });
    this.worker.on('error', (e) => this.logger.error(`maintenance worker: ${e.message}`));
  }

  private async run(job: Job): Promise<unknown> {
    const now = Date.now();
    switch (job.name) {
      case 'rollup-1m':
        // The last few minutes again: late batches (agents replaying their buffers) land there.
        return this.maintenance.rollup('1m', new Date(now - 10 * 60_000), new Date(now));
      case 'rollup-1h':
        return this.maintenance.rollup('1h', new Date(now - 3 * 3_600_000), new Date(now));
      case 'retention':
        return this.maintenance.retention();
      default:
        throw new Error(`unknown maintenance job ${job.name}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
