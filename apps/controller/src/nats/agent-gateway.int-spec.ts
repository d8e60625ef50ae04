import { connect, type NatsConnection } from '@nats-io/transport-node';
import { PROTOCOL_VERSION, encodeMessage, fleetNames } from '@bpfleet/protocol';
import { SimFleet } from '@bpfleet/agent-sim';
import { AgentRegistryService } from '../services/agent-registry.service.js';
import { eventually, startTestController, type TestController } from '../testing/harness.js';

interface AgentBody {
  id: string;
  status: string;
  kernelProfile: string;
  labels: Record<string, string>;
  agentErrors: number;
}

describe('AgentGatewayService (integration)', () => {
  let t: TestController;
  let fleet: SimFleet;
  let nc: NatsConnection;

  beforeAll(async () => {
    t = await startTestController();
    const key = (await t.request('GET', '/api/v1/signing/public-key', { token: null })).body as { publicKey: string };
    fleet = await SimFleet.connect({ natsUrl: t.config.NATS_URL, prefix: t.config.NATS_PREFIX, publicKeyPem: key.publicKey });
    nc = await connect({ servers: t.config.NATS_URL });
  });
  afterAll(async () => {
    await fleet?.close();
    await nc?.close();
    await t?.close();
  });

  const agents = async (query = '') => (await t.request('GET', `/api/v1/agents${query}`)).body as AgentBody[];

  it('should register announced agents with their kernel profile and derive the kernel matrix from them', async () => {
    await fleet.spawn(3, { labels: (i) => ({ env: i === 0 ? 'canary' : 'prod' }), kernelRelease: '5.15.0-91-generic' });
    const listed = await eventually(async () => {
      const list = await agents();
      return list.length === 3 ? list : undefined;
    });
    expect(listed.map((a) => a.kernelProfile)).toEqual(['5.15', '5.15', '5.15']);
    expect(await agents('?selector=env=prod')).toHaveLength(2);
    expect((await t.request('GET', '/api/v1/kernel-matrix')).body).toMatchObject({ profiles: ['5.15'], source: 'agents' });
  });

  it('should record heartbeats and status, and ignore messages from unknown, spoofing or invalid senders', async () => {
    const names = fleetNames(t.config.NATS_PREFIX);
    // sim-1 claims to be sim-0: dropped.
    nc.publish(names.heartbeat('sim-1'), encodeMessage('heartbeat', { v: PROTOCOL_VERSION, kind: 'heartbeat', agentId: 'sim-0', sentAt: new Date().toISOString(), uptimeSeconds: 1, loadedPrograms: 0, agentErrors: 99 }));
    nc.publish(names.heartbeat('sim-0'), new TextEncoder().encode('{"v":1,"kind":"heartbeat"'));
    nc.publish(names.heartbeat('ghost'), encodeMessage('heartbeat', { v: PROTOCOL_VERSION, kind: 'heartbeat', agentId: 'ghost', sentAt: new Date().toISOString(), uptimeSeconds: 1, loadedPrograms: 0, agentErrors: 0 }));
    fleet.agents[2]!.heartbeat();
    await nc.flush();
    const metrics = await eventually(async () => {
      const text = (await t.request('GET', '/metrics', { token: null })).body as string;
      return /kind="heartbeat",outcome="ok"/.test(text) && /outcome="spoofed"/.test(text) && /outcome="invalid"/.test(text) && /outcome="unknown_agent"/.test(text) ? text : undefined;
    });
    expect(metrics).toBeTruthy();
    expect((await agents()).find((a) => a.id === 'sim-0')!.agentErrors).toBe(0);
    expect((await agents()).map((a) => a.id)).not.toContain('ghost');
  });

  it('should mark silent agents stale, then offline, and back online on a heartbeat', async () => {
    const registry = t.app.get(AgentRegistryService);
    await registry.markByAge(Date.now() + (t.config.AGENT_STALE_SECONDS + 1) * 1000);
    expect((await agents()).every((a) => a.status === 'stale')).toBe(true);
    await registry.markByAge(Date.now() + (t.config.AGENT_OFFLINE_SECONDS + 1) * 1000);
    expect((await agents('?status=offline')).length).toBe(3);
    fleet.agents[0]!.heartbeat();
    await eventually(async () => ((await agents('?status=online')).length === 1 ? true : undefined));
  });
});
