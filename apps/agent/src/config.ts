import { readFileSync } from 'node:fs';
import { AgentError } from './errors.js';
import { parseReplaySpeed, type ReplaySpeed } from '@bpfleet/vm-host';

export type RuntimePolicy = 'auto' | 'kernel' | 'vm';

export interface AgentConfig {
  /** NATS server URLs (tried in order, reconnects forever). */
  readonly natsUrls: readonly string[];
  readonly natsUser?: string;
  readonly natsPassword?: string;
  readonly natsToken?: string;
  /** Subject / bucket prefix shared with the controller. */
  readonly prefix: string;
  /** Fixed agent id; when absent the id kept in the data dir is used (created on first start). */
  readonly agentId?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** SPKI PEM of the controller's signing key. */
  readonly controllerPublicKeyPem: string;
  readonly dataDir: string;
  readonly snapshotIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly runtime: RuntimePolicy;
  /** Disk buffer bound while NATS is unreachable. */
  readonly bufferMaxBytes: number;
  /** Unix socket for application events (VM programs); none when undefined. */
  readonly appEventSocket?: string;
  /** Interface for xdp/tc programs in the kernel. */
  readonly interface?: string;
  /** Per-run instruction budget for VM programs. */
  readonly vmBudget: number;
  /** pcap/pcapng file replayed to VM packet programs. */
  readonly pcapFile?: string;
  /** Recording (`bpfleet record`) replayed to VM tracepoint/raw_tp programs. */
  readonly replayFile?: string;
  /** Pace of pcap and recording replays. */
  readonly replaySpeed: ReplaySpeed;
  /** Samples per second per CPU for VM perf_event programs. */
  readonly perfFrequency: number;
  /** Share of one core a VM program may use between two snapshots before it is stopped (0.5 = half). */
  readonly vmCpuBudget: number;
  /** Turn on the kernel's run count/time accounting (BPF_ENABLE_STATS) while the agent runs. */
  readonly kernelRunStats: boolean;
}

/** Raw settings as they come from a file, the environment or flags (all optional strings/values). */
export interface AgentSettings {
  nats?: string | string[];
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  prefix?: string;
  agentId?: string;
  labels?: Record<string, string> | string;
  controllerPublicKey?: string;
  controllerPublicKeyFile?: string;
  dataDir?: string;
  snapshotInterval?: string | number;
  heartbeatInterval?: string | number;
  runtime?: string;
  bufferMaxBytes?: string | number;
  appEventSocket?: string;
  interface?: string;
  vmBudget?: string | number;
  pcapFile?: string;
  replayFile?: string;
  replaySpeed?: string | number;
  perfFrequency?: string | number;
  vmCpuBudget?: string | number;
  kernelRunStats?: string | boolean;
}

const ENV: Record<string, keyof AgentSettings> = {
  BPFLEET_NATS_URL: 'nats',
  BPFLEET_NATS_USER: 'natsUser',
  BPFLEET_NATS_PASSWORD: 'natsPassword',
  BPFLEET_NATS_TOKEN: 'natsToken',
  BPFLEET_PREFIX: 'prefix',
  BPFLEET_AGENT_ID: 'agentId',
  BPFLEET_AGENT_LABELS: 'labels',
  BPFLEET_CONTROLLER_PUBLIC_KEY: 'controllerPublicKey',
  BPFLEET_CONTROLLER_PUBLIC_KEY_FILE: 'controllerPublicKeyFile',
  BPFLEET_AGENT_DATA_DIR: 'dataDir',
  BPFLEET_SNAPSHOT_INTERVAL: 'snapshotInterval',
  BPFLEET_HEARTBEAT_INTERVAL: 'heartbeatInterval',
  BPFLEET_RUNTIME: 'runtime',
  BPFLEET_BUFFER_MAX_BYTES: 'bufferMaxBytes',
  BPFLEET_APP_EVENT_SOCKET: 'appEventSocket',
  BPFLEET_INTERFACE: 'interface',
  BPFLEET_VM_BUDGET: 'vmBudget',
  BPFLEET_PCAP_FILE: 'pcapFile',
  BPFLEET_REPLAY_FILE: 'replayFile',
  BPFLEET_REPLAY_SPEED: 'replaySpeed',
  BPFLEET_PERF_FREQUENCY: 'perfFrequency',
  BPFLEET_VM_CPU_BUDGET: 'vmCpuBudget',
  BPFLEET_KERNEL_RUN_STATS: 'kernelRunStats',
};

export function settingsFromEnv(env: NodeJS.ProcessEnv): AgentSettings {
  const out: AgentSettings = {};
  for (const [name, key] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

export function settingsFromFile(file: string): AgentSettings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AgentError('CONFIG_UNREADABLE', `cannot read config ${file}: ${(e as Error).message}`, { file });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new AgentError('CONFIG_INVALID', `config ${file} is not JSON: ${(e as Error).message}`, { file });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AgentError('CONFIG_INVALID', `config ${file} must be a JSON object`, { file });
  return parsed as AgentSettings;
}

/** `500ms`, `5s`, `1m` or a bare number of milliseconds. */
export function parseDuration(value: string | number, what: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return value;
  } else {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
    if (m) {
      const n = Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1);
      if (n > 0) return n;
    }
  }
  throw new AgentError('CONFIG_INVALID', `${what}: ${JSON.stringify(value)} is not a duration (e.g. 500ms, 5s, 1m)`);
}

function positiveInt(value: string | number, what: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new AgentError('CONFIG_INVALID', `${what}: ${JSON.stringify(value)} must be a positive integer`);
  return n;
}

function positiveNumber(value: string | number, what: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new AgentError('CONFIG_INVALID', `${what}: ${JSON.stringify(value)} must be a positive number`);
  return n;
}

function flag(value: string | boolean, what: string): boolean {
  if (typeof value === 'boolean') return value;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new AgentError('CONFIG_INVALID', `${what}: ${JSON.stringify(value)} must be true or false`);
}

function replaySpeed(value: string | number): ReplaySpeed {
  const speed = parseReplaySpeed(String(value));
  if (speed === undefined) throw new AgentError('CONFIG_INVALID', `replay speed: ${JSON.stringify(value)} must be max or a positive factor (1 = as recorded)`);
  return speed;
}

function frequency(value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 10_000) throw new AgentError('CONFIG_INVALID', `perf frequency: ${JSON.stringify(value)} must be 1..10000 Hz`);
  return n;
}

/** `a=b,c=d` or an object. */
export function parseLabels(value: Record<string, string> | string | undefined): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'string') return { ...value };
  const out: Record<string, string> = {};
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new AgentError('CONFIG_INVALID', `label ${JSON.stringify(part)} must be name=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/**
 * Merge settings (later wins: file, then environment, then flags) into a checked configuration.
 * The controller's public key is required: an agent never runs unsigned code.
 */
export function resolveConfig(...layers: AgentSettings[]): AgentConfig {
  const s: AgentSettings = {};
  for (const layer of layers) for (const [k, v] of Object.entries(layer)) if (v !== undefined) (s as Record<string, unknown>)[k] = v;
  const natsUrls = (Array.isArray(s.nats) ? s.nats : (s.nats ?? 'nats://127.0.0.1:4222').split(',')).map((u) => u.trim()).filter(Boolean);
  let pem = s.controllerPublicKey;
  if (pem === undefined && s.controllerPublicKeyFile !== undefined) {
    try {
      pem = readFileSync(s.controllerPublicKeyFile, 'utf8');
    } catch (e) {
      throw new AgentError('CONFIG_UNREADABLE', `cannot read the controller public key ${s.controllerPublicKeyFile}: ${(e as Error).message}`);
    }
  }
  if (pem === undefined || pem.trim() === '') throw new AgentError('CONFIG_INVALID', 'the controller public key is required (--controller-key FILE or BPFLEET_CONTROLLER_PUBLIC_KEY)');
  const runtime = s.runtime ?? 'auto';
  if (runtime !== 'auto' && runtime !== 'kernel' && runtime !== 'vm') throw new AgentError('CONFIG_INVALID', `runtime must be auto, kernel or vm, got ${JSON.stringify(runtime)}`);
  return {
    natsUrls,
    natsUser: s.natsUser,
    natsPassword: s.natsPassword,
    natsToken: s.natsToken,
    prefix: s.prefix ?? 'bpfleet',
    agentId: s.agentId,
    labels: parseLabels(s.labels),
    controllerPublicKeyPem: pem,
    dataDir: s.dataDir ?? '/var/lib/bpfleet-agent',
    snapshotIntervalMs: parseDuration(s.snapshotInterval ?? '10s', 'snapshot interval'),
    heartbeatIntervalMs: parseDuration(s.heartbeatInterval ?? '5s', 'heartbeat interval'),
    runtime,
    bufferMaxBytes: positiveInt(s.bufferMaxBytes ?? 64 * 1024 * 1024, 'buffer max bytes'),
    appEventSocket: s.appEventSocket,
    interface: s.interface,
    vmBudget: positiveInt(s.vmBudget ?? 1_000_000, 'VM budget'),
    pcapFile: s.pcapFile,
    replayFile: s.replayFile,
    replaySpeed: replaySpeed(s.replaySpeed ?? 1),
    perfFrequency: frequency(s.perfFrequency ?? 99),
    vmCpuBudget: positiveNumber(s.vmCpuBudget ?? 0.5, 'VM CPU budget'),
    kernelRunStats: flag(s.kernelRunStats ?? true, 'kernel run statistics'),
  };
}
