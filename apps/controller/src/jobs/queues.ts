export const VERIFICATION_QUEUE = 'verification';
export const VERIFICATION_DEAD_LETTER_QUEUE = 'verification-dead-letter';
export const ROLLOUT_QUEUE = 'rollouts';
export const MAINTENANCE_QUEUE = 'maintenance';

export interface RolloutJobData {
  readonly rolloutId: string;
}

export interface VerificationJobData {
  readonly versionId: string;
  readonly kernelProfile: string;
}

export interface VerificationDeadLetterData extends VerificationJobData {
  readonly jobId: string;
  readonly reason: string;
  readonly attempts: number;
}

/** One job per version × profile; the id makes enqueueing idempotent (no ':' allowed in BullMQ ids). */
export function verificationJobId(versionId: string, kernelProfile: string): string {
  return `verify-${versionId}-${kernelProfile}`;
}
