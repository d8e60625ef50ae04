import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import {
  PROTOCOL_VERSION,
  decodeMessage,
  encodeMessage,
  metricsMessageId,
  type DesiredProgram,
  type FleetNames,
  type MapSnapshot,
  type ProgramStatus,
} from '@bpfleet/protocol';
import { sha256Hex, verifyArtifact } from '@bpfleet/signing';
import type { KeyObject } from 'node:crypto';

/** How a simulated agent reacts to a program it is told to run (to drive rollout failures in tests). */
export type LoadBehaviour = (program: DesiredProgram) => { ok: true } | { ok: false; code: string; message: string; verifierLog?: string };

export interface SimAgentOptions {
  readonly id: string;
  readonly labels?: Record<string, string>;
  readonly kernelRelease?: string;
  readonly publicKey: KeyObject;
  readonly behaviour?: LoadBehaviour;
}

export interface SimShared {
  /** Artifacts fetched by any simulated agent, by digest: one process stands in for many hosts. */
  readonly artifactCache: Map<string, Promise<Uint8Array | null>>;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly names: FleetNames;
  readonly desired: KV;
  readonly artifacts: ObjectStore;
}

/**
 * A lightweight agent that speaks the real protocol: announce, heartbeats, desired-state watch, artifact
 * fetch with digest and signature checks, per-program status and metric batches with per-agent
 * sequence numbers. It loads nothing: "loaded" means the artifact checked out.
 */
export class SimAgent {
  readonly id: string;
  private seq = 0;
  private readonly programs = new Map<string, ProgramStatus>();
  private stopWatch?: () => void;
  private readonly started = Date.now();
  private errors = 0;

  constructor(
    private readonly shared: SimShared,
    private readonly options: SimAgentOptions,
  ) {
    this.id = options.id;
  }

  private now(): string {
    return new Date().toISOString();
  }

  announce(): void {
    this.shared.nc.publish(
      this.shared.names.announce(this.id),
      encodeMessage('announce', {
        v: PROTOCOL_VERSION,
        kind: 'announce',
        agentId: this.id,
        sentAt: this.now(),
        hostname: `${this.id}.sim`,
        labels: this.options.labels ?? {},
        kernel: { release: this.options.kernelRelease ?? '6.1.0-sim', btf: true },
        capabilities: { canLoadBpf: false, progTypes: [], mapTypes: [] },
        cpus: 2,
        runtime: 'vm',
        agentVersion: 'agent-sim 0.1.0',
      }),
    );
  }

  heartbeat(): void {
    this.shared.nc.publish(
      this.shared.names.heartbeat(this.id),
      encodeMessage('heartbeat', { v: PROTOCOL_VERSION, kind: 'heartbeat', agentId: this.id, sentAt: this.now(), uptimeSeconds: (Date.now() - this.started) / 1000, loadedPrograms: this.loaded().length, agentErrors: this.errors }),
    );
  }

  loaded(): ProgramStatus[] {
    return [...this.programs.values()].filter((p) => p.state === 'loaded');
  }

  status(): ProgramStatus[] {
    return [...this.programs.values()];
  }

  /** Watch this agent's desired-state key and reconcile on every change. */
  async watch(): Promise<void> {
    const iter = await this.shared.desired.watch({ key: this.id });
    this.stopWatch = () => iter.stop();
    void (async () => {
      for await (const entry of iter) await this.reconcile(entry);
    })();
  }

  private async reconcile(entry: KvWatchEntry): Promise<void> {
    const wanted: DesiredProgram[] = [];
    if (entry.operation === 'PUT') {
      const decoded = decodeMessage('desired', entry.value);
      if (!decoded.ok) {
        this.errors++;
        return;
      }
      wanted.push(...decoded.value.programs);
    }
    const wantedNames = new Set(wanted.map((p) => p.program));
    for (const [name, status] of this.programs) {
      if (!wantedNames.has(name) && status.state !== 'detached') this.programs.set(name, { ...status, state: 'detached', since: this.now() });
    }
    for (const p of wanted) {
      const current = this.programs.get(p.program);
      if (current && current.version === p.version && current.digest === p.digest && current.state !== 'detached') continue;
      this.programs.set(p.program, await this.load(p));
    }
    this.report();
  }

  private async load(p: DesiredProgram): Promise<ProgramStatus> {
    const base = { program: p.program, version: p.version, digest: p.digest, attachPoints: [] as string[], since: this.now() };
    const fail = (code: string, message: string, verifierLog?: string): ProgramStatus => {
      this.errors++;
      return { ...base, state: 'failed', error: { code, message, ...(verifierLog ? { verifierLog } : {}) } };
    };
    let fetch = this.shared.artifactCache.get(p.objectKey);
    if (!fetch) {
      fetch = this.shared.artifacts.getBlob(p.objectKey);
      this.shared.artifactCache.set(p.objectKey, fetch);
    }
    const bytes = await fetch;
    // Each host still checks digest and signature itself, on its own copy.
    if (!bytes) return fail('ARTIFACT_MISSING', `artifact ${p.objectKey} not in the object store`);
    if (sha256Hex(bytes) !== p.digest) return fail('DIGEST_MISMATCH', 'artifact bytes do not match the digest');
    if (!verifyArtifact(this.options.publicKey, { digest: p.digest, program: p.program, version: p.version }, p.signature)) return fail('BAD_SIGNATURE', 'signature does not verify');
    const outcome = this.options.behaviour?.(p) ?? { ok: true };
    if (!outcome.ok) return fail(outcome.code, outcome.message, outcome.verifierLog);
    return { ...base, state: 'loaded', runtime: { kind: 'vm', reason: 'simulated agent' }, attachPoints: ['sim'], runCount: 0, runTimeNs: 0 };
  }

  /**
   * Set a loaded program's run counters (as the kernel's bpf_stats or the VM count them, cumulative
   * since load) and report status, to drive overhead health gates.
   */
  setRunStats(program: string, runCount: number, runTimeNs: number): void {
    const status = this.programs.get(program);
    if (!status || status.state !== 'loaded') throw new Error(`${this.id}: ${program} is not loaded`);
    this.programs.set(program, { ...status, runCount, runTimeNs });
    this.report();
  }

  report(): void {
    this.shared.nc.publish(this.shared.names.status(this.id), encodeMessage('status', { v: PROTOCOL_VERSION, kind: 'status', agentId: this.id, sentAt: this.now(), programs: this.status() }));
  }

  /** Publish one metric batch to JetStream with message id `<agent>:<seq>`; returns the seq used. */
  async sendMetrics(program: string, version: number, maps: MapSnapshot[], at = new Date(), seq = ++this.seq): Promise<number> {
    const data = encodeMessage('metrics', { v: PROTOCOL_VERSION, kind: 'metrics', agentId: this.id, sentAt: this.now(), seq, program, version, collectedAt: at.toISOString(), maps, events: [] });
    await this.shared.js.publish(this.shared.names.metrics(this.id), data, { msgID: metricsMessageId(this.id, seq) });
    return seq;
  }

  stop(): void {
    this.stopWatch?.();
  }
}
