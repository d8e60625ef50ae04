import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';
import { MAINTENANCE_QUEUE, ROLLOUT_QUEUE, VERIFICATION_DEAD_LETTER_QUEUE, VERIFICATION_QUEUE, type RolloutJobData, type VerificationDeadLetterData, type VerificationJobData } from '../jobs/queues.js';
import { RedisService } from './redis.service.js';

/** The BullMQ queues the controller produces into (workers live in jobs/). */
@Injectable()
export class QueueService implements OnApplicationShutdown {
  readonly verification: Queue<VerificationJobData>;
  readonly verificationDeadLetter: Queue<VerificationDeadLetterData>;
  readonly rollouts: Queue<RolloutJobData>;
  readonly maintenance: Queue;

  constructor(
    @Inject(CONTROLLER_CONFIG) readonly config: ControllerConfig,
    redis: RedisService,
  ) {
    const options = { connection: redis.client, prefix: config.QUEUE_PREFIX };
    this.verification = new Queue<VerificationJobData>(VERIFICATION_QUEUE, options);
    this.verificationDeadLetter = new Queue<VerificationDeadLetterData>(VERIFICATION_DEAD_LETTER_QUEUE, options);
    this.rollouts = new Queue<RolloutJobData>(ROLLOUT_QUEUE, options);
    this.maintenance = new Queue(MAINTENANCE_QUEUE, options);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.verification, this.verificationDeadLetter, this.rollouts, this.maintenance].map((q) => q.close()));
  }
}
