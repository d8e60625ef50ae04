// The fleet commands in-process against a real controller, started as a child process from its build
// (apps/controller/dist, rebuilt incrementally first) against the real Postgres, Redis and NATS on this
// machine, isolated in its own database, NATS prefix and queue prefix, all removed afterwards.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { Redis } from 'ioredis';
import { SimFleet } from '@bpfleet/agent-sim';
import { main } from '../../main.js';
import type { CliIo } from '../../io.js';

const repoRoot = resolve(import.meta.dirname, '../../../../..');
const examples = join(repoRoot, 'examples/build');
const baseDatabaseUrl = process.env['DATABASE_URL'] ?? 'postgres://bpfleet:bpfleet@127.0.0.1:5432/bpfleet';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(...argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t.endsWith('\n') ? t : `${t}\n`), err: (t) => (err += t.endsWith('\n') ? t : `${t}\n`) };
  const code = await main(['node', 'bpfleet', ...argv], io);
  return { code, out, err };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('fleet commands', () => {
  const id = randomBytes(4).toString('hex');
  const database = `bpfleet_cli_test_${id}`;
  const queuePrefix = `bpfleet_cli_test_${id}`;
  const adminToken = `bpf_test_${randomBytes(24).toString('base64url')}`;
  const dir = mkdtempSync(join(tmpdir(), 'bpfleet-cli-fleet-'));
  let controller: ChildProcess | undefined;
  let controllerLog = '';
  let fleet: SimFleet | undefined;
  const natsPrefix = `tcli_${id}`;
  const natsUrl = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
  let server = '';
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    execFileSync('bash', [join(repoRoot, 'tests/bpf/build.sh')], { stdio: 'ignore' });
    execFileSync('npx', ['tsc', '-b', join(repoRoot, 'apps/controller/tsconfig.lib.json')], { cwd: repoRoot, stdio: 'inherit' });
    const admin = new pg.Client({ connectionString: baseDatabaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = new URL(baseDatabaseUrl);
    url.pathname = `/${database}`;
    const port = await freePort();
    server = `http://127.0.0.1:${port}`;
    controller = spawn(process.execPath, [join(repoRoot, 'apps/controller/dist/main.js')], {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        DATABASE_URL: url.toString(),
        REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        NATS_URL: natsUrl,
        NATS_PREFIX: natsPrefix,
        QUEUE_PREFIX: queuePrefix,
        SIGNING_KEY_FILE: join(dir, 'signing.pem'),
        BOOTSTRAP_ADMIN_TOKEN: adminToken,
        BOOTSTRAP_TOKEN_FILE: join(dir, 'admin-token'),
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => (controllerLog = (controllerLog + chunk.toString()).slice(-4000));
    controller.stdout?.on('data', keep);
    controller.stderr?.on('data', keep);
    await eventually(async () => {
      if (controller?.exitCode !== null) throw new Error(`controller exited: ${controllerLog}`);
      const ready = await fetch(`${server}/readyz`).catch(() => undefined);
      return ready?.ok ? true : undefined;
    }, 60_000, 'controller ready');
    // Simulated agents that speak the real protocol (announce, heartbeat, watch desired state, report loads).
    const key = (await (await fetch(`${server}/api/v1/signing/public-key`)).json()) as { publicKey: string };
    fleet = await SimFleet.connect({ natsUrl, prefix: natsPrefix, publicKeyPem: key.publicKey });
    await fleet.spawn(4, { labels: () => ({ env: 'test' }), kernelRelease: '6.1.0-13-amd64' });
    fleet.startHeartbeats(1000);
    process.env['BPFLEET_CONFIG_DIR'] = join(dir, 'config');
    delete process.env['BPFLEET_TOKEN'];
    delete process.env['BPFLEET_SERVER'];
  }, 120_000);

  afterAll(async () => {
    process.env = savedEnv;
    await fleet?.close();
    if (controller && controller.exitCode === null) {
      const exited = new Promise((r) => controller!.once('exit', r));
      controller.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
      if (controller.exitCode === null) controller.kill('SIGKILL');
    }
    // Every stream, KV bucket and object store of this run carries the prefix.
    const nc = await connect({ servers: natsUrl });
    const jsm = await jetstreamManager(nc);
    for await (const info of jsm.streams.list()) {
      if (info.config.name.includes(natsPrefix)) await jsm.streams.delete(info.config.name).catch(() => undefined);
    }
    await nc.close();
    const cleanup = new pg.Client({ connectionString: baseDatabaseUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await cleanup.end();
    // The controller's BullMQ queues (verification, rollouts, maintenance) live under the queue prefix.
    const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${queuePrefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('should refuse a bad token at login and store a good one with mode 0600', async () => {
    const bad = await cli('login', '--server', server, '--token', 'nope');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/401/);
    const good = await cli('login', '--server', server, '--token', adminToken);
    expect(good.code).toBe(0);
    const file = join(dir, 'config', 'credentials.json');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('should exit 2 on bad flags and without a server', async () => {
    expect((await cli('rollout', 'opens@x')).code).toBe(2);
    expect((await cli('rollout', 'opens@1', '--canary', '200%')).code).toBe(2);
    expect((await cli('query', 'opens', '--map', 'opens', '--agg', 'median')).code).toBe(2);
    expect((await cli('push', join(examples, 'opens_per_process.o'))).code).toBe(2); // --name missing
  });

  it('should push an example, list it, and report it signed after verification', async () => {
    const pushed = await cli('push', join(examples, 'opens_per_process.o'), '--name', 'opens', '--source', join(repoRoot, 'examples/opens_per_process.bpf.c'));
    expect(pushed.err).toBe('');
    expect(pushed.out).toMatch(/^pushed opens@1 sha256:/);
    const again = await cli('push', join(examples, 'opens_per_process.o'), '--name', 'opens', '--json');
    expect(JSON.parse(again.out)).toMatchObject({ created: false, version: { version: 1 } });

    const programs = await cli('programs', '--json');
    expect(JSON.parse(programs.out)).toEqual([expect.objectContaining({ name: 'opens', versions: 1 })]);
    expect((await cli('programs')).out).toMatch(/^NAME\s+VERSIONS/);

    const report = await eventually(async () => {
      const r = await cli('verify-report', 'opens@1', '--json');
      const parsed = JSON.parse(r.out) as { version: { status: string } };
      return parsed.version.status === 'signed' ? parsed : undefined;
    }, 60_000, 'opens@1 signed');
    expect(report.version.status).toBe('signed');
    expect((await cli('versions', 'opens')).out).toMatch(/\n1\s+signed\s+[0-9a-f]{12}/);
  }, 90_000);

  it('should show the rejection of the broken example with its source line', async () => {
    const pushed = await cli('push', join(examples, 'broken_null_deref.o'), '--name', 'broken', '--source', join(repoRoot, 'examples/broken_null_deref.bpf.c'));
    expect(pushed.code).toBe(0);
    const text = await eventually(async () => {
      const r = await cli('verify-report', 'broken@1');
      return /rejected/.test(r.out) ? r.out : undefined;
    }, 60_000, 'broken@1 rejected');
    expect(text).toMatch(/fail/);
    expect(text).toMatch(/map_value_or_null/);
    expect(text).toMatch(/broken_null_deref\.bpf\.c:20/);
  }, 90_000);

  it('should refuse a file that is not ELF with the server message', async () => {
    const junk = join(dir, 'junk.o');
    writeFileSync(junk, 'not an elf object at all');
    const r = await cli('push', junk, '--name', 'junk');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/POST \/api\/v1\/programs: 4\d\d: /);
  });

  it('should roll out to the matching agents wave by wave, show it, list it and roll it back', async () => {
    await eventually(async () => {
      const r = await cli('agents', '--json');
      const agents = JSON.parse(r.out) as { status: string }[];
      return agents.filter((a) => a.status === 'online').length === 4 ? true : undefined;
    }, 20_000, 'four online agents');
    const watched = await cli('rollout', 'opens@1', '--selector', 'env=test', '--canary', '25%', '--waves', '2', '--pause', '0s', '--watch');
    expect(watched.err).toBe('');
    expect(watched.out).toMatch(/^started rollout [0-9a-f-]{36}/);
    expect(watched.out).toMatch(/completed\s+wave \d\/\d/);
    expect(watched.out).toMatch(/wave 0 .*1\/1 loaded/);
    const id = /started rollout ([0-9a-f-]{36})/.exec(watched.out)![1]!;

    const list = await cli('rollouts', '--json');
    expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ id, state: 'completed' })]);
    const status = await cli('rollout', 'status', id);
    expect(status.out).toContain(`rollout ${id}  opens@1`);
    expect(status.out).toMatch(/agents: loaded 4/);
    expect(status.out.match(/^sim-\d\s+\d\s+loaded/gm)).toHaveLength(4);

    const rolledBack = await cli('rollout', 'rollback', id, '--reason', 'test', '--json');
    expect(rolledBack.err).toBe('');
    expect(JSON.parse(rolledBack.out)).toMatchObject({ id, reason: 'test' });

    const missing = await cli('rollout', 'status', '00000000-0000-4000-8000-000000000000');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/404/);
    expect((await cli('agents')).out).toMatch(/^ID\s+HOST\s+STATUS/);
  }, 60_000);

  it('should run a query as JSON and as a histogram', async () => {
    const q = await cli('query', 'opens', '--map', 'opens', '--agg', 'topk', '--since', '15m', '--json');
    expect(q.err).toBe('');
    expect(JSON.parse(q.out)).toMatchObject({ agg: 'topk' });
    const h = await cli('query', 'opens', '--map', 'opens', '--agg', 'histogram');
    expect(h.code).toBe(0);
  });
});
