import { z } from 'zod';
import { PROTOCOL_VERSION } from './version.js';

/**
 * Message schemas, validated on both ends. Every message is a JSON object with the wire version `v`,
 * a `kind`, the sender's `agentId` and `sentAt` (ISO-8601). Sizes are bounded here so one bad peer
 * cannot make the other allocate without limit.
 */

const agentId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'agent id: 1-64 of [A-Za-z0-9_-]');
const isoTime = z.iso.datetime({ offset: true });
const name = z.string().min(1).max(128);
const shortText = z.string().max(256);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 digest: 64 lowercase hex digits');
const hex = z.string().max(1 << 20).regex(/^(?:[0-9a-f]{2})*$/, 'lowercase hex bytes');
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const labels = z.record(z.string().min(1).max(63).regex(/^[A-Za-z0-9_./-]+$/), z.string().max(63)).refine((l) => Object.keys(l).length <= 64, 'at most 64 labels');

const header = <K extends string>(kind: K) => ({
  v: z.literal(PROTOCOL_VERSION),
  kind: z.literal(kind),
  agentId,
  sentAt: isoTime,
});

export const runtimeKind = z.enum(['kernel', 'vm']);
export type RuntimeKind = z.infer<typeof runtimeKind>;

export const announceSchema = z.object({
  ...header('announce'),
  hostname: z.string().min(1).max(253),
  labels,
  kernel: z.object({
    release: shortText,
    /** /sys/kernel/btf/vmlinux present. */
    btf: z.boolean(),
  }),
  capabilities: z.object({
    canLoadBpf: z.boolean(),
    libbpfVersion: shortText.optional(),
    /** Program types the kernel loads and attaches here (`xdp`, `tracepoint`, ...). */
    progTypes: z.array(shortText).max(64),
    mapTypes: z.array(shortText).max(64),
  }),
  cpus: z.number().int().min(1).max(65536),
  /** Runtime policy the agent runs with: `auto` picks the kernel when it can. */
  runtime: z.enum(['auto', 'kernel', 'vm']),
  agentVersion: shortText,
});
export type Announce = z.infer<typeof announceSchema>;

export const heartbeatSchema = z.object({
  ...header('heartbeat'),
  uptimeSeconds: z.number().nonnegative(),
  loadedPrograms: count,
  /** Errors the agent hit since it started (failed loads, reconcile errors). */
  agentErrors: count,
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const programStatusSchema = z.object({
  program: name,
  version: z.number().int().positive(),
  digest: sha256Hex,
  state: z.enum(['loaded', 'failed', 'detached']),
  runtime: z.object({ kind: runtimeKind, reason: shortText }).optional(),
  attachPoints: z.array(shortText).max(256),
  error: z
    .object({
      code: shortText,
      message: z.string().max(4096),
      /** The kernel's (or the VM verifier's) log, trimmed by the agent. */
      verifierLog: z.string().max(256 * 1024).optional(),
    })
    .optional(),
  runCount: count.optional(),
  runTimeNs: count.optional(),
  since: isoTime,
});
export type ProgramStatus = z.infer<typeof programStatusSchema>;

export const statusSchema = z.object({
  ...header('status'),
  programs: z.array(programStatusSchema).max(1024),
});
export type StatusReport = z.infer<typeof statusSchema>;

export const desiredProgramSchema = z.object({
  program: name,
  version: z.number().int().positive(),
  digest: sha256Hex,
  /** base64 ed25519 signature over (digest, program, version), see @bpfleet/signing. */
  signature: z.string().min(1).max(256).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64'),
  /** Object-store name of the artifact. */
  objectKey: z.string().min(1).max(256),
  rolloutId: z.string().max(64).optional(),
});
export type DesiredProgram = z.infer<typeof desiredProgramSchema>;

/** Desired state per agent, the value under the agent's key in the `<prefix>_desired` KV bucket. */
export const desiredStateSchema = z.object({
  ...header('desired'),
  /** Increases with every write so an agent can tell old from new. */
  revision: count,
  programs: z.array(desiredProgramSchema).max(1024),
});
export type DesiredState = z.infer<typeof desiredStateSchema>;

/** A JSON value decoded from BTF (64-bit integers beyond 2^53 travel as decimal strings). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/**
 * Decoded values come out of JSON.parse, so they are JSON by construction: a full recursive z.json()
 * check cost ~100 µs per map entry and capped ingest. Only reject what JSON cannot carry.
 */
const jsonValue = z.custom<JsonValue>((v) => v !== undefined && typeof v !== 'function' && typeof v !== 'bigint' && typeof v !== 'symbol', 'must be a JSON value');

export const mapEntrySchema = z.object({
  key: jsonValue,
  value: jsonValue,
  keyHex: hex,
  valueHex: hex,
});
export type MapEntry = z.infer<typeof mapEntrySchema>;

// Hot path: a metric batch holds up to 100,000 entries, and a schema walk per entry cost more than the
// database write. These loops check the same shape as mapEntrySchema / ringEventSchema (kept for docs
// and types; the spec checks both agree).
const HEX_RE = /^(?:[0-9a-f]{2})*$/;
const MAX_HEX = 1 << 20;
const isJson = (v: unknown) => v !== undefined && typeof v !== 'function' && typeof v !== 'bigint' && typeof v !== 'symbol';
const isHex = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_HEX && HEX_RE.test(v);

function isArrayOf(v: unknown, max: number, item: (x: Record<string, unknown>) => boolean): boolean {
  if (!Array.isArray(v) || v.length > max) return false;
  for (const x of v) if (typeof x !== 'object' || x === null || Array.isArray(x) || !item(x as Record<string, unknown>)) return false;
  return true;
}

export function isMapEntry(e: Record<string, unknown>): boolean {
  return isJson(e['key']) && isJson(e['value']) && isHex(e['keyHex']) && isHex(e['valueHex']);
}

export function isRingEvent(e: Record<string, unknown>): boolean {
  const map = e['map'];
  const ts = e['ts'];
  return typeof map === 'string' && map.length >= 1 && map.length <= 128 && typeof ts === 'string' && /^\d{1,20}$/.test(ts) && isJson(e['data']) && isHex(e['hex']);
}

/**
 * How the controller treats a map's values: `counter` entries are deltas since the previous batch,
 * `gauge` entries are whole values, `log2_histogram` maps slot index -> count (whole), per snapshot.
 */
export const mapKind = z.enum(['counter', 'gauge', 'log2_histogram']);
export type MapKind = z.infer<typeof mapKind>;

export const mapSnapshotSchema = z.object({
  map: name,
  kind: mapKind,
  /** BTF type names of key and value, when known (`struct flow_key`, `u64`). */
  keyType: shortText.optional(),
  valueType: shortText.optional(),
  entries: z.custom<MapEntry[]>((v) => isArrayOf(v, 100_000, isMapEntry), 'entries: at most 100000 of {key, value, keyHex, valueHex} with lowercase hex bytes'),
});
export type MapSnapshot = z.infer<typeof mapSnapshotSchema>;

export const ringEventSchema = z.object({
  map: name,
  /** Nanoseconds since the epoch as a decimal string (exceeds 2^53). */
  ts: z.string().regex(/^\d{1,20}$/),
  data: jsonValue,
  hex,
});
export type RingEvent = z.infer<typeof ringEventSchema>;

export const metricBatchSchema = z.object({
  ...header('metrics'),
  /** Per-agent sequence number; also the JetStream message id `<agentId>:<seq>`. */
  seq: count,
  program: name,
  version: z.number().int().positive(),
  /** When the snapshot was taken (sentAt may be later when it was buffered). */
  collectedAt: isoTime,
  maps: z.array(mapSnapshotSchema).max(256),
  events: z.custom<RingEvent[]>((v) => isArrayOf(v, 100_000, isRingEvent), 'events: at most 100000 of {map, ts (decimal ns), data, hex}'),
});
export type MetricBatch = z.infer<typeof metricBatchSchema>;

export const messageSchemas = {
  announce: announceSchema,
  heartbeat: heartbeatSchema,
  status: statusSchema,
  desired: desiredStateSchema,
  metrics: metricBatchSchema,
} as const;

export type MessageKind = keyof typeof messageSchemas;
export interface MessageByKind {
  announce: Announce;
  heartbeat: Heartbeat;
  status: StatusReport;
  desired: DesiredState;
  metrics: MetricBatch;
}
export type AnyMessage = MessageByKind[MessageKind];
