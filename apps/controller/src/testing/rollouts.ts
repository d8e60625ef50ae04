import { SimFleet } from '@bpfleet/agent-sim';
import { eventually, multipart, type TestController } from './harness.js';

/** A rollout as the API returns it (the fields the rollout specs read). */
export interface RolloutBody {
  id: string;
  state: string;
  reason: string | null;
  version: number;
  previousVersion: number | null;
  currentWave: number;
  waves: number;
  counts: Record<string, number>;
  healthGate: Record<string, unknown>;
  targets: { agentId: string; wave: number; state: string; detail: string | null }[];
}

/** Simulated agents speaking the real protocol to the test controller, all registered before it returns. */
export async function simulatedFleet(t: TestController, count: number, template: Parameters<SimFleet['spawn']>[1]): Promise<SimFleet> {
  const key = (await t.request('GET', '/api/v1/signing/public-key', { token: null })).body as { publicKey: string };
  const fleet = await SimFleet.connect({ natsUrl: t.config.NATS_URL, prefix: t.config.NATS_PREFIX, publicKeyPem: key.publicKey });
  await fleet.spawn(count, template);
  await eventually(async () => (((await t.request('GET', '/api/v1/agents')).body as unknown[]).length === count ? true : undefined));
  return fleet;
}

/** Pushes `object` as the next version of `name`, waits until it is verified and signed, and returns the push's response body. */
export async function pushSigned(t: TestController, name: string, object: Uint8Array, version: number): Promise<unknown> {
  const body = (await t.request('POST', '/api/v1/programs', { body: multipart({ name }, object) })).body;
  await eventually(async () => ((await t.request('GET', `/api/v1/programs/${name}/versions/${version}`)).body as { status: string }).status === 'signed' || undefined, 20_000);
  return body;
}

/** Reads a rollout, and waits for it to reach one of `states` (`controller` is read at each call: specs start it in beforeAll). */
export function rolloutReader(controller: () => TestController): { rollout: (id: string) => Promise<RolloutBody>; settled: (id: string, states: string[]) => Promise<RolloutBody> } {
  const rollout = async (id: string) => (await controller().request('GET', `/api/v1/rollouts/${id}`)).body as RolloutBody;
  const settled = (id: string, states: string[]) =>
    eventually(async () => {
      const r = await rollout(id);
      return states.includes(r.state) ? r : undefined;
    }, 20_000, `rollout ${id} to reach ${states.join('/')}`);
  return { rollout, settled };
}
