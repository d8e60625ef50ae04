import { decodeMessage } from '@bpfleet/protocol';
import type { SimFleet } from '@bpfleet/agent-sim';
import { NatsService } from '../nats/nats.service.js';
import { corpusObject, withoutFinalExit } from '../testing/fixtures.js';
import { eventually, multipart, startTestController, type TestController } from '../testing/harness.js';
import { pushSigned, rolloutReader, simulatedFleet, type RolloutBody } from '../testing/rollouts.js';

describe('RolloutService (integration, simulated agents)', () => {
  let t: TestController;
  let fleet: SimFleet;

  beforeAll(async () => {
    t = await startTestController();
    // Agents 6..9 fail to load version 3 of anything: the bad release the canary must catch.
    fleet = await simulatedFleet(t, 10, {
      labels: (i) => ({ env: 'prod', rack: i < 5 ? 'a' : 'b' }),
      kernelRelease: '6.1.0-13-amd64',
      behaviour: (i) => (p) => (p.version === 3 && i >= 6 ? { ok: false, code: 'EINVAL', message: 'attach failed', verifierLog: 'R1 type=ctx expected=fp' } : { ok: true }),
    });
    for (const [i, object] of [corpusObject('minimal'), corpusObject('global_data'), corpusObject('loops')].entries()) {
      expect(await pushSigned(t, 'counter', object, i + 1)).toMatchObject({ created: true, version: { version: i + 1 } });
    }
  });
  afterAll(async () => {
    await fleet?.close();
    await t?.close();
  });

  const { rollout, settled } = rolloutReader(() => t);
  const desiredVersion = async (agentId: string) => {
    const entry = await t.app.get(NatsService).desired.get(agentId);
    if (!entry || entry.operation !== 'PUT') return null;
    const d = decodeMessage('desired', entry.value);
    return d.ok ? (d.value.programs.find((p) => p.program === 'counter')?.version ?? null) : 'invalid';
  };

  it('should roll a version out to every matching agent at once and complete when all loaded', async () => {
    const started = Date.now();
    const created = await t.request('POST', '/api/v1/rollouts', { json: { program: 'counter', version: 1, selector: { env: 'prod' }, strategy: { type: 'all' } } });
    expect(created.status).toBe(201);
    const done = await settled((created.body as RolloutBody).id, ['completed', 'rolled_back']);
    expect(done).toMatchObject({ state: 'completed', version: 1, previousVersion: null, counts: { loaded: 10 } });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await desiredVersion('sim-3')).toBe(1);
    expect(fleet.agents.every((a) => a.loaded().some((p) => p.program === 'counter' && p.version === 1))).toBe(true);
    const agents = (await t.request('GET', '/api/v1/agents')).body as { programs: { program: string; state: string }[] }[];
    expect(agents.every((a) => a.programs.some((p) => p.program === 'counter' && p.state === 'loaded'))).toBe(true);
  });

  it('should go canary first, pause between waves, and complete', async () => {
    const created = (await t.request('POST', '/api/v1/rollouts', { json: { program: 'counter', version: 2, selector: { rack: 'a' }, strategy: { type: 'canary', percent: 20, waves: 2, pauseSeconds: 2 } } })).body as RolloutBody;
    expect(created.targets.map((x) => x.wave).sort()).toEqual([0, 1, 1, 2, 2]);
    // The canary loads at once; wave 1 waits for the pause.
    const canaryDone = await eventually(async () => {
      const r = await rollout(created.id);
      return r.targets.find((x) => x.wave === 0)!.state === 'loaded' ? r : undefined;
    });
    expect(canaryDone.targets.filter((x) => x.wave > 0).every((x) => x.state === 'pending')).toBe(true);
    expect(await desiredVersion(canaryDone.targets.find((x) => x.wave === 2)!.agentId)).toBe(1);
    const done = await settled(created.id, ['completed', 'rolled_back']);
    expect(done).toMatchObject({ state: 'completed', previousVersion: 1, counts: { loaded: 5 } });
    expect(await desiredVersion('sim-0')).toBe(2);
    expect(await desiredVersion('sim-7')).toBe(1);
  });

  it('should roll back automatically when the health gate fails in a later wave', async () => {
    const created = (await t.request('POST', '/api/v1/rollouts', { json: { program: 'counter', version: 3, selector: { rack: 'b' }, strategy: { type: 'canary', percent: 20, waves: 1 }, healthGate: { maxFailedLoads: 0 } } })).body as RolloutBody;
    const done = await settled(created.id, ['completed', 'rolled_back']);
    expect(done.state).toBe('rolled_back');
    expect(done.reason).toMatch(/health gate: \d+ failed loads > 0/);
    expect(done.targets.every((x) => x.state === 'rolled_back' || x.state === 'pending')).toBe(true);
    for (const id of ['sim-5', 'sim-6', 'sim-7', 'sim-8', 'sim-9']) expect(await desiredVersion(id)).toBe(1);
    await eventually(async () => (fleet.agents.slice(5).every((a) => a.loaded().some((p) => p.program === 'counter' && p.version === 1)) ? true : undefined));
  });

  it('should pause, resume, abort and roll back by hand, refusing transitions that do not apply', async () => {
    const created = (await t.request('POST', '/api/v1/rollouts', { json: { program: 'counter', version: 3, selector: { rack: 'a' }, strategy: { type: 'canary', percent: 20, waves: 1, pauseSeconds: 30 } } })).body as RolloutBody;
    expect((await t.request('POST', '/api/v1/rollouts', { json: { program: 'counter', version: 3, strategy: { type: 'all' } } })).status).toBe(409);
    expect((await t.request('POST', `/api/v1/rollouts/${created.id}/resume`, { json: {} })).status).toBe(409);
    expect((await t.request('POST', `/api/v1/rollouts/${created.id}/pause`, { json: { reason: 'lunch' } })).body).toMatchObject({ state: 'paused', reason: 'lunch' });
    expect((await t.request('POST', `/api/v1/rollouts/${created.id}/resume`, { json: {} })).body).toMatchObject({ state: 'running' });
    expect((await t.request('POST', `/api/v1/rollouts/${created.id}/abort`, { json: {} })).body).toMatchObject({ state: 'aborted' });
    const rolled = (await t.request('POST', `/api/v1/rollouts/${created.id}/rollback`, { json: { reason: 'bad idea' } })).body as RolloutBody;
    expect(rolled).toMatchObject({ state: 'rolled_back', reason: 'bad idea', previousVersion: 2 });
    expect(await desiredVersion(created.targets.find((x) => x.wave === 0)!.agentId)).toBe(2);
    expect((await t.request('POST', `/api/v1/rollouts/${created.id}/pause`, { json: {} })).status).toBe(409);
  });

  it('should skip agents whose kernel the version was not verified for', async () => {
    await fleet.spawn(1, { idPrefix: 'old', labels: () => ({ env: 'legacy' }), kernelRelease: '5.4.0-150-generic' });
    await eventually(async () => (((await t.request('GET', '/api/v1/agents?selector=env=legacy')).body as unknown[]).length === 1 ? true : undefined));
    const r = await t.request('POST', '/api/v1/rollouts', { json: { program: 'counter', version: 1, selector: { env: 'legacy' }, strategy: { type: 'all' } } });
    expect(r.status).toBe(400);
    expect((r.body as { message: string }).message).toMatch(/not verified for kernel profile 5.4/);
  });

  it.each([
    [{ program: 'counter', version: 1 }, 400, /strategy/],
    [{ program: 'counter', version: 1, strategy: { type: 'blue-green' } }, 400, /type must be one of/],
    [{ program: 'counter', version: 1, strategy: { type: 'canary', percent: 0 } }, 400, /percent/],
    [{ program: 'counter', version: 1, strategy: { type: 'all' }, healthGate: { maxFailedLoads: -1 } }, 400, /maxFailedLoads/],
    [{ program: 'counter', version: 1, strategy: { type: 'all' }, selector: { env: 'nowhere' } }, 400, /no online agent/],
    [{ program: 'nope', version: 1, strategy: { type: 'all' } }, 404, /not found/],
    [{ program: 'counter', version: 99, strategy: { type: 'all' } }, 404, /no version 99/],
  ])('should refuse rollout %j', async (json, status, message) => {
    const r = await t.request('POST', '/api/v1/rollouts', { json });
    expect(r.status).toBe(status);
    expect(JSON.stringify(r.body)).toMatch(message);
  });

  it('should refuse to roll out a version that is not signed', async () => {
    await t.request('POST', '/api/v1/programs', { body: multipart({ name: 'counter' }, withoutFinalExit(corpusObject('minimal'))) });
    await eventually(async () => ((await t.request('GET', '/api/v1/programs/counter/versions/4')).body as { status: string }).status === 'rejected' || undefined);
    const r = await t.request('POST', '/api/v1/rollouts', { json: { program: 'counter', version: 4, strategy: { type: 'all' } } });
    expect(r.status).toBe(400);
    expect((r.body as { message: string }).message).toMatch(/only signed versions/);
    expect((await t.request('GET', '/api/v1/rollouts/not-a-uuid')).status).toBe(400);
  });
});
