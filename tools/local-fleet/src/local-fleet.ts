// A local fleet as real processes: the controller (apps/controller/dist) and agents (apps/agent/bin) on
// this machine's Postgres, Redis and NATS, isolated under one name: its own database, NATS prefix,
// BullMQ prefix, port and data directory. `close()` stops every process it started (by PID) and removes
// every resource it created, also after a failure half-way. The e2e test (tests/e2e) and the CLI's fleet
// tests drive it in-process; `npm run demo` starts the same processes through scripts/demo/fleet-up.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { fleetNames } from '@bpfleet/protocol';
import { Redis } from 'ioredis';
import pg from 'pg';

/** The verifier allocates many short-lived states: a larger young generation halves its time (docs/performance.md). */
export const CONTROLLER_NODE_FLAG = '--max-semi-space-size=32';

export const repoRoot = resolve(import.meta.dirname, '../../..');

export interface LocalFleetOptions {
  /** Names the database, NATS prefix and queue prefix: lower case, digits and `_`, starts with a letter. */
  readonly name: string;
  /** Where logs, keys and agent data go; created, and removed by `close()` unless `keepDir`. */
  readonly dir: string;
  readonly keepDir?: boolean;
  readonly port?: number;
  readonly databaseUrl?: string;
  readonly redisUrl?: string;
  readonly natsUrl?: string;
  /** Extra controller environment (e.g. LOG_LEVEL). */
  readonly controllerEnv?: Readonly<Record<string, string>>;
  /**
   * Children die with the process that started them (`setpriv --pdeathsig`), so a test runner killed
   * mid-run leaves nothing behind. Off for launchers that exit and leave the fleet running.
   */
  readonly dieWithParent?: boolean;
}

export interface AgentSpec {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly runtime: 'auto' | 'kernel' | 'vm';
  /** Snapshot interval, e.g. `1s`. */
  readonly interval: string;
  readonly heartbeat?: string;
  readonly interface?: string;
  /** Unix socket for application events (VM programs); put in the agent's data dir. */
  readonly appSocket?: boolean;
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  readonly exited: Promise<number | null>;
}

export class FleetError extends Error {
  override readonly name = 'FleetError';
  constructor(readonly code: 'CONTROLLER_EXITED' | 'TIMEOUT' | 'HTTP', message: string, readonly context: Record<string, unknown> = {}) {
    super(message);
  }
}

/** A free TCP port on 127.0.0.1 (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

/** Polls `check` until it returns a value, with a deadline instead of a fixed sleep. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      if (e instanceof FleetError && e.code === 'CONTROLLER_EXITED') throw e;
      lastError = e;
    }
    if (Date.now() >= deadline) {
      throw new FleetError('TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export class LocalFleet {
  readonly database: string;
  readonly prefix: string;
  readonly natsUrl: string;
  readonly redisUrl: string;
  readonly token = `bpf_fleet_${randomBytes(24).toString('base64url')}`;
  readonly processes: ManagedProcess[] = [];
  readonly agents = new Map<string, ManagedProcess>();
  port = 0;
  private readonly baseDatabaseUrl: string;
  private controller: ManagedProcess | undefined;
  private databaseCreated = false;
  private readonly agentSpecs = new Map<string, AgentSpec>();

  constructor(readonly options: LocalFleetOptions) {
    if (!/^[a-z][a-z0-9_]{0,30}$/.test(options.name)) throw new Error(`fleet name ${options.name}: lower case letters, digits and _ (at most 31)`);
    this.database = options.name;
    this.prefix = options.name;
    this.baseDatabaseUrl = options.databaseUrl ?? process.env['DATABASE_URL'] ?? 'postgres://bpfleet:bpfleet@127.0.0.1:5432/bpfleet';
    this.redisUrl = options.redisUrl ?? process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
    this.natsUrl = options.natsUrl ?? process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
  }

  get server(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get databaseUrl(): string {
    const url = new URL(this.baseDatabaseUrl);
    url.pathname = `/${this.database}`;
    return url.toString();
  }

  get publicKeyFile(): string {
    return join(this.options.dir, 'controller.pub');
  }

  agentDir(id: string): string {
    return join(this.options.dir, 'agents', id);
  }

  appSocket(id: string): string {
    return join(this.agentDir(id), 'app.sock');
  }

  /** A fresh database, and no leftovers of an earlier run under the same name. */
  async prepare(): Promise<void> {
    mkdirSync(this.options.dir, { recursive: true });
    await this.removeQueueAndStreams();
    await this.withAdminDb(async (db) => {
      await db.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
      await db.query(`CREATE DATABASE ${this.database}`);
    });
    this.databaseCreated = true;
  }

  async startController(timeoutMs = 90_000): Promise<void> {
    this.port = this.options.port ?? (await freePort());
    const dir = join(this.options.dir, 'controller');
    mkdirSync(dir, { recursive: true });
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      NATS_URL: this.natsUrl,
      NATS_PREFIX: this.prefix,
      QUEUE_PREFIX: this.prefix,
      PORT: String(this.port),
      HOST: '127.0.0.1',
      BOOTSTRAP_ADMIN_TOKEN: this.token,
      BOOTSTRAP_TOKEN_FILE: join(dir, 'admin-token'),
      SIGNING_KEY_FILE: join(dir, 'signing-key.pem'),
      LOG_LEVEL: 'warn',
      ...this.options.controllerEnv,
    };
    this.controller = this.launch('controller', [CONTROLLER_NODE_FLAG, join(repoRoot, 'apps/controller/dist/main.js')], env, dir);
    await eventually(async () => {
      if (this.controller!.child.exitCode !== null) {
        throw new FleetError('CONTROLLER_EXITED', `controller exited with ${this.controller!.child.exitCode}:\n${tail(this.controller!.log)}`);
      }
      const ready = await fetch(`${this.server}/readyz`).catch(() => undefined);
      return ready?.ok ? true : undefined;
    }, timeoutMs, 'the controller to be ready');
    const key = await this.api<{ publicKey: string }>('/api/v1/signing/public-key');
    writeFileSync(this.publicKeyFile, key.publicKey);
  }

  /** Starts (or restarts, same id and data dir) an agent process. */
  startAgent(spec: AgentSpec): ManagedProcess {
    this.agentSpecs.set(spec.id, spec);
    const dir = this.agentDir(spec.id);
    mkdirSync(dir, { recursive: true });
    const args = [
      join(repoRoot, 'apps/agent/bin/bpfleet-agent.js'),
      '--nats', this.natsUrl, '--prefix', this.prefix, '--controller-key', this.publicKeyFile,
      '--data-dir', dir, '--id', spec.id, '--labels', Object.entries(spec.labels).map(([k, v]) => `${k}=${v}`).join(','),
      '--interval', spec.interval, '--runtime', spec.runtime,
      ...(spec.interface ? ['--interface', spec.interface] : []),
      ...(spec.appSocket ? ['--app-socket', this.appSocket(spec.id)] : []),
    ];
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...(spec.heartbeat ? { BPFLEET_HEARTBEAT_INTERVAL: spec.heartbeat } : {}) };
    const agent = this.launch(`agent-${spec.id}`, args, env, dir);
    this.agents.set(spec.id, agent);
    return agent;
  }

  restartAgent(id: string): ManagedProcess {
    const spec = this.agentSpecs.get(id);
    if (!spec) throw new Error(`no agent ${id} was started`);
    return this.startAgent(spec);
  }

  /** Sends `signal` to a process this fleet started and waits for it to end. */
  async stop(proc: ManagedProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill(signal);
    const ended = await Promise.race([proc.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), graceMs).unref())]);
    if (!ended) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  }

  /** Authenticated JSON request to the controller's API. */
  async api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const response = await fetch(`${this.server}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${this.token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new FleetError('HTTP', `${init.method ?? 'GET'} ${path}: ${response.status} ${text.slice(0, 300)}`, { status: response.status });
    return JSON.parse(text) as T;
  }

  async withDb<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
    const db = new pg.Client({ connectionString: this.databaseUrl });
    await db.connect();
    try {
      return await fn(db);
    } finally {
      await db.end();
    }
  }

  /** The last lines of every process's log, for a failure message. */
  logs(lines = 12): string {
    const files = new Map(this.processes.map((p) => [p.log, p.name]));
    return [...files].map(([log, name]) => `--- ${name} (${log}) ---\n${tail(log, lines)}`).join('\n');
  }

  /**
   * Stops agents first (SIGTERM: they detach and unpin their kernel programs), then the controller; then
   * removes pins an agent killed with SIGKILL left, the NATS streams/KV/object store of the prefix, the
   * BullMQ keys, the database and (unless kept) the directory. Every step runs even if one fails.
   */
  async close(): Promise<void> {
    const problems: string[] = [];
    const step = async (what: string, fn: () => Promise<unknown> | unknown) => {
      try {
        await fn();
      } catch (e) {
        problems.push(`${what}: ${(e as Error).message}`);
      }
    };
    for (const p of [...this.processes].reverse()) if (p !== this.controller) await step(`stop ${p.name}`, () => this.stop(p));
    if (this.controller) await step('stop controller', () => this.stop(this.controller!));
    for (const id of this.agentSpecs.keys()) await step(`pins of ${id}`, () => rmSync(`/sys/fs/bpf/bpfleet/agents/${id}`, { recursive: true, force: true }));
    await step('NATS and Redis', () => this.removeQueueAndStreams());
    if (this.databaseCreated) await step('database', () => this.withAdminDb((db) => db.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`)));
    if (!this.options.keepDir) await step('data dir', () => rmSync(this.options.dir, { recursive: true, force: true }));
    if (problems.length > 0) throw new Error(`fleet cleanup incomplete:\n  ${problems.join('\n  ')}`);
  }

  private launch(name: string, args: string[], env: Record<string, string>, cwd: string): ManagedProcess {
    const log = join(this.options.dir, `${name}.log`);
    const fd = openSync(log, 'a');
    const wrap = this.options.dieWithParent && existsSync('/usr/bin/setpriv');
    const [command, argv] = wrap ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, ...args]] : [process.execPath, args];
    const child = spawn(command, argv, { cwd, env, stdio: ['ignore', fd, fd], detached: !this.options.dieWithParent });
    closeSync(fd);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    if (!this.options.dieWithParent) child.unref();
    const proc = { name, child, log, exited };
    this.processes.push(proc);
    return proc;
  }

  private async withAdminDb<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
    const url = new URL(this.baseDatabaseUrl);
    url.pathname = '/postgres';
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    try {
      return await fn(db);
    } finally {
      await db.end();
    }
  }

  private async removeQueueAndStreams(): Promise<void> {
    const names = fleetNames(this.prefix);
    const nc = await connect({ servers: this.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      for (const stream of [names.metricsStream, `KV_${names.desiredBucket}`, `OBJ_${names.artifactStore}`]) {
        await jsm.streams.delete(stream).catch(() => false);
      }
    } finally {
      await nc.close();
    }
    const redis = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}
