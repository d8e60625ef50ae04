import { Inject, Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';
import { RedisService } from '../services/redis.service.js';
import { VerificationService } from '../services/verification.service.js';
import { VERIFICATION_QUEUE, type VerificationJobData } from './queues.js';

/** Runs verification jobs; a job out of retries goes to the dead-letter queue. */
@Injectable()
export class VerificationProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(VerificationProcessor.name);
  private worker?: Worker<VerificationJobData>;

  constructor(
    @Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig,
    private readonly redis: RedisService,
    private readonly verification: VerificationService,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker<VerificationJobData>(VERIFICATION_QUEUE, (job) => this.verification.run(job), {
      connection: this.redis.connect(),
      prefix: this.config.QUEUE_PREFIX,
      concurrency: this.config.VERIFY_CONCURRENCY,
    });
    this.worker.on('failed', (job: Job<VerificationJobData> | undefined, error: Error) => {
      if (!job) return;
      const attempts = job.opts.attempts ?? 1;
      this.logger.warn(`verification ${job.id} attempt ${job.attemptsMade}/${attempts} failed: ${error.message}`);
      if (job.attemptsMade >= attempts) {
        void this.verification.giveUp(job.data, job.id ?? '', error.message, job.attemptsMade).catch((e: unknown) => this.logger.error(`dead-lettering ${job.id} failed: ${(e as Error).message}`));
      }
    });
    this.worker.on('error', (error) => this.logger.error(`verification worker: ${error.message}`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Before connections close: lets the running job finish (graceful), then stops taking new ones.
    await this.worker?.close();
  }
}
