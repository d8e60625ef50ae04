import { decodeMessage } from '@bpfleet/protocol';
import type { SimFleet } from '@bpfleet/agent-sim';
import { NatsService } from '../nats/nats.service.js';
import { corpusObject } from '../testing/fixtures.js';
import { eventually, startTestController, type TestController } from '../testing/harness.js';
import { pushSigned, rolloutReader, simulatedFleet, type RolloutBody } from '../testing/rollouts.js';

/** The health gate's program-overhead conditions, driven by simulated agents' run counters. */
describe('RolloutService: program overhead gate (integration, simulated agents)', () => {
  let t: TestController;
  let fleet: SimFleet;

  beforeAll(async () => {
    t = await startTestController({ MAINTENANCE_JOBS: 'false' });
    fleet = await simulatedFleet(t, 4, { labels: () => ({ env: 'prod' }), kernelRelease: '6.1.0-13-amd64' });
    for (const [i, object] of [corpusObject('minimal'), corpusObject('global_data')].entries()) {
      expect(await pushSigned(t, 'counter', object, i + 1)).toMatchObject({ version: { version: i + 1 } });
    }
    const first = (await t.request('POST', '/api/v1/rollouts', { json: { program: 'counter', version: 1, strategy: { type: 'all' } } })).body as RolloutBody;
    await settled(first.id, ['completed']);
  });
  afterAll(async () => {
    await fleet?.close();
    await t?.close();
  });

  const { rollout, settled } = rolloutReader(() => t);
  const canaryLoaded = (id: string) => eventually(async () => {
    const target = (await rollout(id)).targets.find((x) => x.wave === 0 && x.state === 'loaded');
    return target ? fleet.agents.find((a) => a.id === target.agentId) : undefined;
  });
  const desiredVersion = async (agentId: string) => {
    const entry = await t.app.get(NatsService).desired.get(agentId);
    const d = entry ? decodeMessage('desired', entry.value) : null;
    return d?.ok ? (d.value.programs.find((p) => p.program === 'counter')?.version ?? null) : null;
  };
  const canary = (healthGate: Record<string, unknown>) => ({ program: 'counter', version: 2, strategy: { type: 'canary', percent: 25, waves: 1, pauseSeconds: 0 }, healthGate: { minHealthySeconds: 60, ...healthGate } });

  it('should roll back when the canary runs the program slower than maxAvgRunNs', async () => {
    const created = (await t.request('POST', '/api/v1/rollouts', { json: canary({ maxAvgRunNs: 5000, minRuns: 100 }) })).body as RolloutBody;
    expect(created.healthGate).toMatchObject({ maxAvgRunNs: 5000, minRuns: 100, action: 'rollback' });
    const agent = (await canaryLoaded(created.id))!;
    // Too few runs to judge, then fast enough: the rollout keeps waiting out its healthy period.
    agent.setRunStats('counter', 50, 50 * 90_000);
    agent.setRunStats('counter', 1_000, 1_000 * 4_000);
    await new Promise((r) => setTimeout(r, 700));
    expect((await rollout(created.id)).state).toBe('running');
    agent.setRunStats('counter', 3_000, 1_000 * 4_000 + 2_000 * 20_000);
    const done = await settled(created.id, ['rolled_back']);
    expect(done.reason).toBe(`health gate: ${agent.id} runs counter v2 in 14667 ns on average > 5000 (3000 runs)`);
    await eventually(async () => ((await desiredVersion(agent.id)) === 1 ? true : undefined));
  });

  it('should pause instead when the gate says so, on CPU share', async () => {
    const created = (await t.request('POST', '/api/v1/rollouts', { json: canary({ maxCpuPercent: 10, action: 'pause' }) })).body as RolloutBody;
    const agent = (await canaryLoaded(created.id))!;
    // CPU share is judged over at least a second since the load; 0.6 s of run time in ~1.2 s is ~50 %.
    await new Promise((r) => setTimeout(r, 1200));
    agent.setRunStats('counter', 10, 600_000_000);
    const paused = await settled(created.id, ['paused']);
    expect(paused.reason).toMatch(new RegExp(`^health gate: ${agent.id} spends [0-9.]+% of a CPU in counter v2 > 10%$`));
    expect(await desiredVersion(agent.id)).toBe(2);
    expect((await t.request('POST', `/api/v1/rollouts/${created.id}/rollback`, { json: { reason: 'too costly' } })).body).toMatchObject({ state: 'rolled_back' });
    await eventually(async () => ((await desiredVersion(agent.id)) === 1 ? true : undefined));
  });

  it.each([
    [{ maxAvgRunNs: 0 }, /maxAvgRunNs must not be less than 1/],
    [{ maxCpuPercent: 'lots' }, /maxCpuPercent must be a number/],
    [{ minRuns: 0 }, /minRuns must not be less than 1/],
    [{ action: 'explode' }, /action must be one of/],
  ])('should refuse the gate %p', async (healthGate, message) => {
    const r = await t.request('POST', '/api/v1/rollouts', { json: canary(healthGate) });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(message);
  });
});
