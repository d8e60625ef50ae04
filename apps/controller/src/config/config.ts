import { z } from 'zod';

/**
 * Controller configuration, read once from the environment and validated at start-up: a missing or
 * malformed variable stops the process with one message naming every bad variable.
 */
const csv = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter((p) => p.length > 0));

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }),
  NATS_URL: z.string().min(1),
  /** Prefix of every NATS subject, KV bucket, object store and stream (tests use their own). */
  NATS_PREFIX: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/).default('bpfleet'),
  /** Prefix of BullMQ keys in Redis. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_:-]{1,64}$/).default('bpfleet'),
  /** PKCS#8 PEM of the ed25519 signing key; wins over SIGNING_KEY_FILE. */
  SIGNING_KEY: z.string().optional(),
  SIGNING_KEY_FILE: z.string().default('.data/controller/signing-key.pem'),
  /** A bootstrap admin token; otherwise one is generated into BOOTSTRAP_TOKEN_FILE on first start. */
  BOOTSTRAP_ADMIN_TOKEN: z.string().min(24).optional(),
  BOOTSTRAP_TOKEN_FILE: z.string().default('.data/controller/admin-token'),
  /** Pinned kernel profiles (comma separated); otherwise derived from the agents seen. */
  KERNEL_PROFILES: csv.optional(),
  /** Profiles verified against while no agent has announced itself. */
  DEFAULT_KERNEL_PROFILES: csv.default(['6.1']),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(8 * 1024 * 1024),
  VERIFY_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  VERIFY_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  /** Heartbeat ages after which an agent is stale / offline. */
  AGENT_STALE_SECONDS: z.coerce.number().positive().default(30),
  AGENT_OFFLINE_SECONDS: z.coerce.number().positive().default(120),
  /** Metric ingest: deliveries before a message is dead-lettered. */
  INGEST_MAX_DELIVER: z.coerce.number().int().min(1).max(100).default(5),
  /** Metric ingest: bytes fetched at most per batch (bounds memory; at least 2 MiB, above the largest message). */
  INGEST_FETCH_BYTES: z.coerce.number().int().min(2 * 1024 * 1024).max(256 * 1024 * 1024).default(4 * 1024 * 1024),
  /** Metric ingest: fetch/write loops running at once (each holds one Postgres connection). */
  INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(3),
  /** Metric day partitions older than this are dropped by the retention job. */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(14),
  /** `false` leaves rollups and retention to an outside scheduler (or to tests that drive them). */
  MAINTENANCE_JOBS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});

export type ControllerConfig = z.infer<typeof schema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'INVALID_CONFIG';
  constructor(readonly problems: readonly string[]) {
    super(`invalid controller configuration:\n  ${problems.join('\n  ')}`);
  }
}

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): ControllerConfig {
  // Empty strings count as unset, as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  if (parsed.data.AGENT_OFFLINE_SECONDS <= parsed.data.AGENT_STALE_SECONDS) {
    throw new ConfigError(['AGENT_OFFLINE_SECONDS must be greater than AGENT_STALE_SECONDS']);
  }
  return parsed.data;
}

/** Injection token for the validated config. */
export const CONTROLLER_CONFIG = Symbol('CONTROLLER_CONFIG');
