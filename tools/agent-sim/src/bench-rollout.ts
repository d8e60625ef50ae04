import { readFileSync } from 'node:fs';
import { ControllerClient } from './api.js';
import { SimFleet } from './fleet.js';

/**
 * Benchmark: one version to N simulated agents, all at once. Measures from the rollout request to
 * (a) every agent having loaded it (agent side) and (b) the controller reporting the rollout completed.
 * Env: CONTROLLER_URL, TOKEN, NATS_URL, NATS_PREFIX, AGENTS (500), OBJECT (an ELF file).
 */
async function main(): Promise<void> {
  const agents = Number(process.env['AGENTS'] ?? 500);
  const api = new ControllerClient(process.env['CONTROLLER_URL'] ?? 'http://127.0.0.1:8080', process.env['TOKEN'] ?? '');
  const run = Date.now().toString(36);
  const fleet = await SimFleet.connect({ natsUrl: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222', prefix: process.env['NATS_PREFIX'] ?? 'bpfleet', publicKeyPem: await api.publicKey() });
  await fleet.spawn(agents, { idPrefix: `bench-${run}`, labels: () => ({ bench: run }) });
  fleet.startHeartbeats(5000);
  for (;;) {
    const listed = await api.call<unknown[]>('GET', `/api/v1/agents?selector=bench=${run}`);
    if (listed.length === agents) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const program = `bench-${run}`;
  const version = await api.uploadSigned(program, new Uint8Array(readFileSync(process.env['OBJECT'] ?? 'tests/bpf/build/minimal.o')));

  const t0 = performance.now();
  const rollout = await api.call<{ id: string }>('POST', '/api/v1/rollouts', { program, version, selector: { bench: run }, strategy: { type: 'all' } });
  const desiredWrittenMs = performance.now() - t0;
  let agentsLoadedMs: number | undefined;
  let completedMs: number | undefined;
  while (completedMs === undefined && performance.now() - t0 < 60_000) {
    if (agentsLoadedMs === undefined && fleet.agents.every((a) => a.loaded().some((p) => p.program === program))) agentsLoadedMs = performance.now() - t0;
    const r = await api.call<{ state: string }>('GET', `/api/v1/rollouts/${rollout.id}?`.replace('?', ''));
    if (r.state === 'completed') completedMs = performance.now() - t0;
    else if (r.state !== 'running') throw new Error(`rollout ended ${r.state}`);
    else await new Promise((res) => setTimeout(res, 25));
  }
  await fleet.close();
  const result = { benchmark: 'rollout-all-at-once', agents, desiredWrittenMs: Math.round(desiredWrittenMs), agentsLoadedMs: agentsLoadedMs && Math.round(agentsLoadedMs), reportedCompletedMs: completedMs && Math.round(completedMs), targetMs: 5000 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (completedMs === undefined || completedMs > 5000) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
