import { eventually, multipart, startTestController, type TestController } from '../testing/harness.js';
import { corpusObject } from '../testing/fixtures.js';
import { QueueService } from './queue.service.js';

describe('VerificationService (integration)', () => {
  describe('retries and dead-letter', () => {
    let t: TestController;
    beforeAll(async () => {
      // A profile the verifier does not know: every attempt fails, so the job must be dead-lettered.
      t = await startTestController({ KERNEL_PROFILES: '6.1,9.99', VERIFY_ATTEMPTS: '2' });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('should retry a failing job, dead-letter it and mark the version as error, never signed', async () => {
      const r = await t.request('POST', '/api/v1/programs', { body: multipart({ name: 'minimal' }, corpusObject('minimal')) });
      expect(r.body).toMatchObject({ queuedProfiles: ['6.1', '9.99'] });
      const report = await eventually(async () => {
        const body = (await t.request('GET', '/api/v1/programs/minimal/versions/1/verification')).body as {
          version: { status: string; signature: string | null };
          profiles: { kernelProfile: string; state: string; attempts: number; error: string | null; job: { state: string; attemptsMade: number } | null }[];
        };
        return body.version.status === 'error' ? body : undefined;
      }, 20_000);
      expect(report.version.signature).toBeNull();
      const bad = report.profiles.find((p) => p.kernelProfile === '9.99')!;
      expect(bad).toMatchObject({ state: 'error', attempts: 2, job: { state: 'failed', attemptsMade: 2 } });
      expect(bad.error).toMatch(/unknown kernel profile 9.99/);
      expect(report.profiles.find((p) => p.kernelProfile === '6.1')).toMatchObject({ state: 'passed' });
      const dead = await t.app.get(QueueService).verificationDeadLetter.getJobs(['waiting', 'completed', 'failed', 'delayed']);
      expect(dead.map((j) => j.data)).toEqual([expect.objectContaining({ kernelProfile: '9.99', attempts: 2, reason: expect.stringMatching(/unknown kernel profile/) })]);
    });
  });
});
