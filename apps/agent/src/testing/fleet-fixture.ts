import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { PROTOCOL_VERSION, decodeMessage, encodeMessage, fleetNames, type DesiredProgram, type FleetNames, type MetricBatch, type StatusReport } from '@bpfleet/protocol';
import { sha256Hex, signArtifact } from '@bpfleet/signing';
import { resolveConfig, type AgentSettings } from '../config.js';
import type { AgentConfig } from '../config.js';

export const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
export const repoRoot = resolve(import.meta.dirname, '../../../..');
export const corpus = (name: string) => readFileSync(join(repoRoot, 'tests/bpf/build', name));

/**
 * What the controller provides, set up by hand for one test run under its own prefix: the
 * desired-state bucket, the artifact store, the metrics stream and a signing key.
 */
export class FleetFixture {
  readonly dataDirs: string[] = [];
  private revision = 0;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly names: FleetNames,
    readonly desired: KV,
    readonly artifacts: ObjectStore,
    readonly privateKey: KeyObject,
    readonly publicKeyPem: string,
  ) {}

  static async create(): Promise<FleetFixture> {
    const prefix = `agt${randomBytes(4).toString('hex')}`;
    const names = fleetNames(prefix);
    const nc = await connect({ servers: NATS_URL });
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const desired = await new Kvm(js).create(names.desiredBucket, { history: 5 });
    const artifacts = await new Objm(js).create(names.artifactStore);
    await jsm.streams.add({ name: names.metricsStream, subjects: [names.metricsAll], duplicate_window: 10 * 60 * 1e9 });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return new FleetFixture(nc, js, jsm, names, desired, artifacts, privateKey, publicKey.export({ type: 'spki', format: 'pem' }).toString());
  }

  config(settings: AgentSettings = {}): AgentConfig {
    const dataDir = settings.dataDir ?? mkdtempSync(join(tmpdir(), 'bpfleet-agent-'));
    this.dataDirs.push(dataDir);
    return resolveConfig({ nats: NATS_URL, prefix: this.names.prefix, controllerPublicKey: this.publicKeyPem, snapshotInterval: '300ms', heartbeatInterval: '1s', ...settings, dataDir });
  }

  /** Store an artifact and return its signed desired entry. */
  async publishArtifact(program: string, version: number, bytes: Uint8Array, signWith: KeyObject = this.privateKey): Promise<DesiredProgram> {
    const digest = sha256Hex(bytes);
    await this.artifacts.putBlob({ name: digest }, bytes);
    return { program, version, digest, signature: signArtifact(signWith, { digest, program, version }), objectKey: digest };
  }

  async setDesired(agentId: string, programs: DesiredProgram[]): Promise<void> {
    this.revision++;
    await this.desired.put(agentId, encodeMessage('desired', { v: PROTOCOL_VERSION, kind: 'desired', agentId, sentAt: new Date().toISOString(), revision: this.revision, programs }));
  }

  /** Every status report the agent sends from now on. */
  statuses(agentId: string): StatusReport[] {
    const seen: StatusReport[] = [];
    const sub = this.nc.subscribe(this.names.status(agentId));
    void (async () => {
      for await (const m of sub) {
        const r = decodeMessage('status', m.data);
        if (r.ok) seen.push(r.value);
      }
    })();
    return seen;
  }

  /** All metric batches in the stream so far. */
  async metrics(): Promise<MetricBatch[]> {
    const info = await this.jsm.streams.info(this.names.metricsStream);
    const out: MetricBatch[] = [];
    if (info.state.messages === 0) return out;
    const name = `read${randomBytes(3).toString('hex')}`;
    await this.jsm.consumers.add(this.names.metricsStream, { name, ack_policy: AckPolicy.None });
    const consumer = await this.js.consumers.get(this.names.metricsStream, name);
    const iter = await consumer.fetch({ max_messages: info.state.messages, expires: 2000 });
    for await (const m of iter) {
      const r = decodeMessage('metrics', m.data);
      if (r.ok) out.push(r.value);
      if (out.length >= info.state.messages) break;
    }
    await this.jsm.consumers.delete(this.names.metricsStream, name);
    return out;
  }

  async close(): Promise<void> {
    await this.jsm.streams.delete(this.names.metricsStream).catch(() => undefined);
    await this.desired.destroy().catch(() => undefined);
    await this.artifacts.destroy().catch(() => undefined);
    await this.nc.close();
    for (const d of this.dataDirs) rmSync(d, { recursive: true, force: true });
  }
}

/** Poll until `check` returns a value (not undefined), or fail after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
