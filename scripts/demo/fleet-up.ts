// Starts a local fleet for `npm run demo` and exits, leaving the processes running: resets the fleet's
// database, NATS prefix and BullMQ keys, starts the controller and the agents (@bpfleet/local-fleet, the code the
// e2e test uses), waits until the controller is ready and every agent is online, then prints shell
// assignments for the caller: SERVER, TOKEN, PUBKEY and FLEET_PIDS (controller first, then the agents).
// The caller stops those PIDs. On failure, SIGINT or SIGTERM before that, it stops what it started itself.
//   node --conditions=development --import ./scripts/ts-register.mjs scripts/demo/fleet-up.ts '<json>'
//   json: {"name": "bpfleet_demo", "dir": ".data/demo", "port": 8080, "agents": [AgentSpec, ...]}
import { resolve } from 'node:path';
import { LocalFleet, eventually, type AgentSpec } from '@bpfleet/local-fleet';

interface FleetUpConfig {
  name: string;
  dir: string;
  port?: number;
  agents: AgentSpec[];
}

const shellQuote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

async function up(config: FleetUpConfig): Promise<void> {
  const fleet = new LocalFleet({ name: config.name, dir: resolve(config.dir), keepDir: true, ...(config.port ? { port: config.port } : {}) });
  // Interrupted while starting (Ctrl-C in the demo): the children run in their own sessions, so stop them here.
  const interrupted = (signal: NodeJS.Signals) => {
    process.stderr.write(`fleet-up: ${signal}, stopping what was started\n`);
    void fleet.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await fleet.prepare();
    await fleet.startController();
    for (const spec of config.agents) fleet.startAgent(spec);
    const ids = new Set(config.agents.map((a) => a.id));
    await eventually(async () => {
      const agents = await fleet.api<{ id: string; status: string }[]>('/api/v1/agents?status=online');
      return agents.filter((a) => ids.has(a.id)).length === ids.size ? true : undefined;
    }, 60_000, `${ids.size} agents online`);
  } catch (e) {
    process.stderr.write(`fleet-up: ${(e as Error).message}\n${fleet.logs()}\n`);
    await fleet.close().catch((c: unknown) => process.stderr.write(`${(c as Error).message}\n`));
    process.exit(1);
  }
  const out = {
    SERVER: fleet.server,
    TOKEN: fleet.token,
    PUBKEY: fleet.publicKeyFile,
    FLEET_PIDS: fleet.processes.map((p) => String(p.child.pid)).join(' '),
  };
  process.stdout.write(Object.entries(out).map(([k, v]) => `${k}=${shellQuote(v)}\n`).join(''));
}

const arg = process.argv[2];
if (!arg) {
  process.stderr.write('usage: fleet-up.ts \'{"name": ..., "dir": ..., "port": ..., "agents": [...]}\'\n');
  process.exit(2);
}
await up(JSON.parse(arg) as FleetUpConfig);
