import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { fleetNames } from '@bpfleet/protocol';
import pg from 'pg';
import { createControllerApp } from '../app.js';
import { loadConfig, type ControllerConfig } from '../config/config.js';
import { PinoLoggerService } from '../logging/pino-logger.service.js';
import { QueueService } from '../services/queue.service.js';

/**
 * A controller against the real Postgres, Redis and NATS, isolated per test file: its own database,
 * NATS prefix (streams, KV, object store) and BullMQ prefix, all removed by close().
 */
export interface TestController {
  readonly app: NestExpressApplication;
  readonly config: ControllerConfig;
  readonly baseUrl: string;
  readonly adminToken: string;
  request(method: string, path: string, options?: { token?: string | null; json?: unknown; body?: FormData | string; headers?: Record<string, string> }): Promise<{ status: number; body: unknown; raw: Response }>;
  close(): Promise<void>;
}

const baseDatabaseUrl = process.env['DATABASE_URL'] ?? 'postgres://bpfleet:bpfleet@127.0.0.1:5432/bpfleet';

export async function startTestController(overrides: Record<string, string> = {}): Promise<TestController> {
  const id = randomBytes(4).toString('hex');
  const database = `bpfleet_test_${id}`;
  const admin = new pg.Client({ connectionString: baseDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(baseDatabaseUrl);
  url.pathname = `/${database}`;
  const dir = mkdtempSync(join(tmpdir(), 'bpfleet-controller-'));
  const adminToken = `bpf_test_${randomBytes(24).toString('base64url')}`;
  const config = loadConfig({
    DATABASE_URL: url.toString(),
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    NATS_URL: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
    NATS_PREFIX: `t_${id}`,
    QUEUE_PREFIX: `bpfleet_test_${id}`,
    SIGNING_KEY_FILE: join(dir, 'signing.pem'),
    BOOTSTRAP_ADMIN_TOKEN: adminToken,
    BOOTSTRAP_TOKEN_FILE: join(dir, 'admin-token'),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    ...overrides,
  });
  const app = await createControllerApp(config, new PinoLoggerService(config.LOG_LEVEL));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;

  const request: TestController['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? adminToken : options.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const raw = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const type = raw.headers.get('content-type') ?? '';
    const parsed = type.includes('json') ? await raw.clone().json() : type.startsWith('text') ? await raw.clone().text() : undefined;
    return { status: raw.status, body: parsed, raw };
  };

  const close = async () => {
    const queues = app.get(QueueService);
    await Promise.all([queues.verification, queues.verificationDeadLetter, queues.rollouts, queues.maintenance].map((q) => q.obliterate({ force: true }))).catch(() => undefined);
    await app.close();
    const names = fleetNames(config.NATS_PREFIX);
    const nc = await connect({ servers: config.NATS_URL });
    const jsm = await jetstreamManager(nc);
    for (const stream of [names.metricsStream, `KV_${names.desiredBucket}`, `OBJ_${names.artifactStore}`]) {
      await jsm.streams.delete(stream).catch(() => undefined);
    }
    await nc.close();
    const cleanup = new pg.Client({ connectionString: baseDatabaseUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await cleanup.end();
    rmSync(dir, { recursive: true, force: true });
  };

  return { app, config, baseUrl, adminToken, request, close };
}

/** Poll until `check` returns a value (not undefined), or fail after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export function multipart(fields: Record<string, string>, object?: Uint8Array, fileName = 'prog.bpf.o'): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (object) form.append('object', new Blob([object]), fileName);
  return form;
}
