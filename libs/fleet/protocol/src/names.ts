import { ProtocolError } from './errors.js';

/**
 * Every NATS name the controller and agents share, derived from one prefix so tests (and several
 * fleets on one NATS) can run side by side. Default prefix `bpfleet`:
 *
 *   bpfleet.agents.<id>.announce    agent -> controller, on start and reconnect
 *   bpfleet.agents.<id>.heartbeat   agent -> controller, every few seconds
 *   bpfleet.agents.<id>.status      agent -> controller, per-program status
 *   bpfleet.metrics.<id>            agent -> JetStream stream BPFLEET_METRICS (msg id = <id>:<seq>)
 *   bpfleet.deadletter.metrics      controller: metric messages it could not ingest, with the reason
 *   KV bucket    bpfleet_desired     key = agent id, value = DesiredState
 *   Object store bpfleet_artifacts   name = sha256 digest (hex) of the ELF object
 */
export interface FleetNames {
  readonly prefix: string;
  readonly announce: (agentId: string) => string;
  readonly heartbeat: (agentId: string) => string;
  readonly status: (agentId: string) => string;
  readonly metrics: (agentId: string) => string;
  /** Wildcards the controller subscribes to. */
  readonly announceAll: string;
  readonly heartbeatAll: string;
  readonly statusAll: string;
  readonly metricsAll: string;
  readonly metricsDeadLetter: string;
  readonly desiredBucket: string;
  readonly artifactStore: string;
  readonly metricsStream: string;
  readonly metricsConsumer: string;
}

const PREFIX_RE = /^[a-z][a-z0-9_]{0,31}$/;
// A NATS subject token and a KV key at once: no dots, spaces or wildcards.
const AGENT_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidAgentId(agentId: string): boolean {
  return AGENT_ID_RE.test(agentId);
}

export function assertAgentId(agentId: string): string {
  if (!isValidAgentId(agentId)) {
    throw new ProtocolError('INVALID_AGENT_ID', `agent id ${JSON.stringify(agentId)} must match ${AGENT_ID_RE.source}`);
  }
  return agentId;
}

export function fleetNames(prefix = 'bpfleet'): FleetNames {
  if (!PREFIX_RE.test(prefix)) {
    throw new ProtocolError('INVALID_PREFIX', `prefix ${JSON.stringify(prefix)} must match ${PREFIX_RE.source}`);
  }
  const agentSubject = (suffix: string) => (agentId: string) => `${prefix}.agents.${assertAgentId(agentId)}.${suffix}`;
  return {
    prefix,
    announce: agentSubject('announce'),
    heartbeat: agentSubject('heartbeat'),
    status: agentSubject('status'),
    metrics: (agentId) => `${prefix}.metrics.${assertAgentId(agentId)}`,
    announceAll: `${prefix}.agents.*.announce`,
    heartbeatAll: `${prefix}.agents.*.heartbeat`,
    statusAll: `${prefix}.agents.*.status`,
    metricsAll: `${prefix}.metrics.*`,
    metricsDeadLetter: `${prefix}.deadletter.metrics`,
    desiredBucket: `${prefix}_desired`,
    artifactStore: `${prefix}_artifacts`,
    metricsStream: `${prefix.toUpperCase()}_METRICS`,
    metricsConsumer: `${prefix}_ingest`,
  };
}

/** The agent id in `<prefix>.agents.<id>.<kind>` or `<prefix>.metrics.<id>`; undefined when it is not one. */
export function agentIdFromSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  const id = parts[1] === 'agents' && parts.length === 4 ? parts[2] : parts[1] === 'metrics' && parts.length === 3 ? parts[2] : undefined;
  return id !== undefined && isValidAgentId(id) ? id : undefined;
}

/** JetStream message id for a metric batch: dedup on (agent, seq) inside the stream's window. */
export function metricsMessageId(agentId: string, seq: number): string {
  return `${assertAgentId(agentId)}:${seq}`;
}
