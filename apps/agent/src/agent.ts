import { cpus as osCpus, hostname, release } from 'node:os';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { loadBpfObject, type BpfObject } from '@bpfleet/elf';
import { parseBtf, type Btf } from '@bpfleet/btf';
import { KernelLoadError, enableRunStats, pinPath, probeKernel, removePinDir, runStatsEnabled, type KernelCapabilities, type KernelMap, type RunStats as KernelStatsSwitch } from '@bpfleet/kernel';
import type { VmMap } from '@bpfleet/vm';
import { PROTOCOL_VERSION, decodeMessage, encodeMessage, fleetNames, metricsMessageId, type DesiredProgram, type FleetNames, type MapSnapshot, type ProgramStatus, type RingEvent } from '@bpfleet/protocol';
import { parsePublicKey } from '@bpfleet/signing';
import { checkArtifact } from './artifact-check.js';
import type { AgentConfig } from './config.js';
import { DiskBuffer } from './disk-buffer.js';
import { AgentError } from './errors.js';
import { KernelRunningProgram } from './kernel-program.js';
import { MapSnapshotter } from './map-snapshot.js';
import { chooseRuntime, type RuntimeDecision } from './runtime-choice.js';
import type { RunningProgram } from './running-program.js';
import { StateStore } from './state-store.js';
import { agentSources } from './agent-sources.js';
import { deliverEvent, VmRunningProgram, type AppEvent, type SourceSet, type VmEvent, type VmHostError } from '@bpfleet/vm-host';
import { VmStateStore, restoreVmMaps } from './vm-state.js';
import { AGENT_VERSION } from './version.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type AgentLogger = (level: LogLevel, message: string, context?: Record<string, unknown>) => void;

export interface AgentDeps {
  readonly log?: AgentLogger;
  /** Capability probe (default: the kernel runtime's). */
  readonly probe?: () => KernelCapabilities;
}

/** One program the desired state names, and what runs for it. */
interface Managed {
  desired: DesiredProgram;
  status: ProgramStatus;
  running?: RunningProgram;
  snapshotter?: MapSnapshotter;
  object?: BpfObject;
  /** VM run time and wall clock at the previous CPU-budget check. */
  cpuMark?: { readonly at: bigint; readonly runTimeNs: number };
}

/** What this agent pinned for a kernel program, kept in the data dir to re-adopt it after a restart. */
interface PinRecord {
  readonly version: number;
  readonly digest: string;
  readonly pinDir: string;
  /** Counter baselines at the last snapshot, so deltas continue across the restart. */
  baselines?: Record<string, Record<string, string>>;
  /**
   * Baselines of a snapshot whose batches (up to `seq`) were being written: they count only if the
   * batch reached the disk buffer, which a crash in between decides (see settlePinBaselines).
   */
  pending?: { readonly seq: number; readonly baselines: Record<string, Record<string, string>> };
}
const PIN_RECORDS = 'kernel-pins.json';

const MAX_VERIFIER_LOG = 256 * 1024 - 1;
/** Ring-buffer records per metric batch (keeps a batch well under the 1 MiB message limit). */
const EVENTS_PER_BATCH = 2000;

/**
 * The per-host agent: announces what the host can do, runs exactly the signed programs its desired
 * state names (kernel where the probe allows, VM otherwise), and streams their map data to JetStream
 * with per-agent sequence numbers, buffering to disk while NATS is unreachable.
 */
export class Agent {
  readonly id: string;
  readonly names: FleetNames;
  private readonly publicKey: KeyObject;
  private readonly state: StateStore;
  private readonly buffer: DiskBuffer;
  private readonly vmState: VmStateStore;
  private readonly log: AgentLogger;
  private readonly programs = new Map<string, Managed>();
  private readonly started = Date.now();
  private caps: KernelCapabilities | undefined;
  private errors = 0;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private desiredKv: KV | undefined;
  private artifacts: ObjectStore | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopWatch: (() => void) | undefined;
  private reconciling: Promise<void> = Promise.resolve();
  private draining = false;
  private sources: SourceSet | undefined;
  private stopped = false;
  /** Between a NATS disconnect and the reconnect: nothing is published (metrics stay on disk). */
  private offline = false;
  private kernelStats: KernelStatsSwitch | undefined;
  private readonly pins: Record<string, PinRecord>;
  /** Revision of the last desired state applied. */
  revision = -1;
  /** Events delivered to VM programs. */
  eventsDelivered = 0;

  private constructor(
    readonly config: AgentConfig,
    deps: AgentDeps,
  ) {
    this.log = deps.log ?? (() => undefined);
    this.names = fleetNames(config.prefix);
    this.publicKey = parsePublicKey(config.controllerPublicKeyPem);
    this.state = new StateStore(config.dataDir);
    this.id = this.state.agentId(config.agentId);
    this.vmState = new VmStateStore(config.dataDir);
    this.buffer = new DiskBuffer(join(config.dataDir, 'buffer'), config.bufferMaxBytes, (seq, total) => {
      this.errors++;
      this.log('warn', `metric buffer full: dropped batch ${seq} (${total} dropped so far)`, { seq, dropped: total });
    });
    this.pins = this.state.readJson<Record<string, PinRecord>>(PIN_RECORDS) ?? {};
    // A buffered batch may carry a higher seq than the persisted counter only if the seq file was lost.
    if (this.state.lastSeq < this.buffer.lastSeq) this.state.commitSeq(this.buffer.lastSeq);
    settlePinBaselines(this.pins, this.state.lastSeq);
    try {
      this.caps = (deps.probe ?? (() => probeKernel()))();
    } catch (e) {
      this.log('warn', `kernel probe failed: ${(e as Error).message}`);
    }
    if (config.kernelRunStats && config.runtime !== 'vm' && this.caps?.canLoad) {
      // The kernel counts runs and run time only while asked to (for every program on the host).
      try {
        this.kernelStats = enableRunStats();
      } catch (e) {
        const fallback = runStatsEnabled() ? 'kernel.bpf_stats_enabled is on, so the kernel counts anyway' : 'runCount/runTimeNs stay 0 for kernel programs';
        this.log('warn', `cannot turn on kernel run statistics (${fallback}): ${(e as Error).message}`);
      }
    }
  }

  /** Connect, announce, start heartbeats, the desired-state watch and map streaming. */
  static async start(config: AgentConfig, deps: AgentDeps = {}): Promise<Agent> {
    const agent = new Agent(config, deps);
    try {
      await agent.run();
    } catch (e) {
      await agent.stop();
      throw e;
    }
    return agent;
  }

  private async run(): Promise<void> {
    const c = this.config;
    // A host may boot before NATS is reachable: keep trying (and say so) instead of exiting.
    this.log('info', `connecting to NATS at ${c.natsUrls.join(', ')}`);
    this.nc = await connect({
      servers: [...c.natsUrls],
      name: `bpfleet-agent-${this.id}`,
      user: c.natsUser,
      pass: c.natsPassword,
      token: c.natsToken,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      waitOnFirstConnect: true,
    });
    this.js = jetstream(this.nc, { timeout: 5000 });
    this.desiredKv = await new Kvm(this.js).open(this.names.desiredBucket);
    this.artifacts = await new Objm(this.js).open(this.names.artifactStore);
    void this.watchConnection(this.nc);
    this.sources = agentSources(c, (event) => this.deliverEvent(event), (source, e) => {
      this.errors++;
      this.log('error', `VM event source ${source.description}: ${e.message}`);
    });
    await this.sources.sync([]);
    this.announce();
    this.heartbeat();
    this.timers.push(setInterval(() => this.heartbeat(), c.heartbeatIntervalMs));
    this.timers.push(setInterval(() => void this.snapshotAll(), c.snapshotIntervalMs));
    const iter = await this.desiredKv.watch({ key: this.id });
    this.stopWatch = () => iter.stop();
    void (async () => {
      for await (const entry of iter) this.enqueueReconcile(entry);
    })();
    void this.drain();
    this.log('info', `agent ${this.id} connected to ${this.nc.getServer()} (prefix ${c.prefix}, runtime ${c.runtime})`);
  }

  private async watchConnection(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'reconnect') {
        this.offline = false;
        this.log('info', 'reconnected to NATS: announcing and replaying buffered metrics');
        this.announce();
        this.publishStatus();
        void this.drain();
      } else if (s.type === 'disconnect') {
        this.offline = true;
        this.log('warn', 'disconnected from NATS; buffering metrics to disk');
      }
    }
  }

  private now(): string {
    return new Date().toISOString();
  }

  private publish(subject: string, data: Uint8Array): void {
    // The client queues publishes made while disconnected in memory, without bound; heartbeats and
    // status are re-sent on reconnect anyway.
    if (this.offline) return;
    try {
      this.nc?.publish(subject, data);
    } catch (e) {
      this.log('debug', `publish to ${subject} failed: ${(e as Error).message}`);
    }
  }

  announce(): void {
    const caps = this.caps;
    const enabled = (rec: Readonly<Record<string, boolean>> | undefined) =>
      Object.entries(rec ?? {})
        .filter(([, ok]) => ok)
        .map(([k]) => k)
        .slice(0, 64);
    this.publish(
      this.names.announce(this.id),
      encodeMessage('announce', {
        v: PROTOCOL_VERSION,
        kind: 'announce',
        agentId: this.id,
        sentAt: this.now(),
        hostname: hostname().slice(0, 253) || 'unknown',
        labels: { ...this.config.labels },
        kernel: { release: (caps?.kernelRelease ?? release()).slice(0, 256), btf: caps?.btf.vmlinux ?? false },
        capabilities: {
          canLoadBpf: caps?.canLoad ?? false,
          ...(caps?.libbpf.available ? { libbpfVersion: caps.libbpf.version } : {}),
          progTypes: enabled(caps?.programTypes),
          mapTypes: enabled(caps?.mapTypes),
        },
        cpus: Math.max(1, caps?.onlineCpus ?? osCpus().length),
        runtime: this.config.runtime,
        agentVersion: AGENT_VERSION,
      }),
    );
  }

  heartbeat(): void {
    this.publish(
      this.names.heartbeat(this.id),
      encodeMessage('heartbeat', {
        v: PROTOCOL_VERSION,
        kind: 'heartbeat',
        agentId: this.id,
        sentAt: this.now(),
        uptimeSeconds: (Date.now() - this.started) / 1000,
        loadedPrograms: this.loadedCount(),
        agentErrors: this.errors,
      }),
    );
  }

  private loadedCount(): number {
    let n = 0;
    for (const m of this.programs.values()) if (m.status.state === 'loaded') n++;
    return n;
  }

  /** Current per-program status, with fresh run counters. */
  statuses(): ProgramStatus[] {
    const out: ProgramStatus[] = [];
    for (const m of this.programs.values()) {
      if (m.running && m.status.state === 'loaded') {
        const s = m.running.stats();
        m.status = { ...m.status, runCount: Math.min(s.runCount, Number.MAX_SAFE_INTEGER), runTimeNs: Math.min(s.runTimeNs, Number.MAX_SAFE_INTEGER) };
      }
      out.push(m.status);
    }
    return out;
  }

  publishStatus(): void {
    this.publish(this.names.status(this.id), encodeMessage('status', { v: PROTOCOL_VERSION, kind: 'status', agentId: this.id, sentAt: this.now(), programs: this.statuses() }));
  }

  private enqueueReconcile(entry: KvWatchEntry): void {
    this.reconciling = this.reconciling
      .then(() => this.reconcile(entry))
      .catch((e: unknown) => {
        this.errors++;
        this.log('error', `reconcile failed: ${(e as Error).message}`);
      });
  }

  /** Resolves once every desired-state change seen so far has been applied. */
  async settled(): Promise<void> {
    await this.reconciling;
  }

  private async reconcile(entry: KvWatchEntry): Promise<void> {
    let wanted: DesiredProgram[] = [];
    if (entry.operation === 'PUT') {
      const decoded = decodeMessage('desired', entry.value);
      if (!decoded.ok) {
        this.errors++;
        this.log('error', `desired state refused: ${decoded.error.message}`, { code: decoded.error.code });
        return;
      }
      if (decoded.value.agentId !== this.id) {
        this.errors++;
        this.log('error', `desired state under key ${this.id} names agent ${decoded.value.agentId}; ignored`);
        return;
      }
      wanted = decoded.value.programs;
      this.revision = decoded.value.revision;
    }
    await this.apply(wanted);
  }

  /** Make the running set equal `wanted`: detach removed programs, load new versions. Idempotent. */
  async apply(wanted: readonly DesiredProgram[]): Promise<void> {
    const wantedNames = new Set(wanted.map((p) => p.program));
    let changed = false;
    // Pinned by a previous run and no longer wanted: unpinning detaches them.
    for (const [name, record] of Object.entries(this.pins)) {
      if (wantedNames.has(name) || this.programs.has(name)) continue;
      removePinDir(record.pinDir);
      this.forgetPins(name);
    }
    this.vmState.forgetAllBut([...wantedNames, ...this.programs.keys()]);
    for (const [name, m] of this.programs) {
      if (wantedNames.has(name)) continue;
      m.running?.close();
      this.programs.delete(name);
      this.forgetPins(name);
      this.vmState.forget(name);
      changed = true;
      this.log('info', `detached ${name} v${m.desired.version}`);
    }
    for (const p of wanted) {
      const current = this.programs.get(p.program);
      if (current && current.desired.version === p.version && current.desired.digest === p.digest && current.desired.signature === p.signature) continue;
      await this.load(p, current);
      changed = true;
    }
    if (changed) this.publishStatus();
    await this.syncSources();
  }

  /** Start the event sources the loaded VM programs need, stop the ones none needs any more. */
  private async syncSources(): Promise<void> {
    const specs = [];
    for (const m of this.programs.values()) if (m.running instanceof VmRunningProgram && m.object) specs.push(...m.object.programs);
    await this.sources?.sync(specs);
  }

  private async load(p: DesiredProgram, previous: Managed | undefined): Promise<void> {
    const base = { program: p.program, version: p.version, digest: p.digest, attachPoints: [] as string[], since: this.now() };
    let decision: RuntimeDecision | undefined;
    try {
      const bytes = await this.fetch(p);
      checkArtifact(this.publicKey, p, bytes);
      const object = loadArtifact(bytes, p.program);
      const choice = chooseRuntime(object, this.config.runtime, this.caps, this.config.interface !== undefined);
      if (choice.kind === 'refused') throw new AgentError('RUNTIME_UNAVAILABLE', choice.reason);
      decision = choice;
      const adopted = choice.kind === 'kernel' && !previous ? this.adopt(p, object) : undefined;
      const running = adopted ?? this.startRuntime(p, object, choice, previous);
      // The new version runs (with the old maps' contents where they match); now the old one goes.
      if (previous?.running && previous.running !== running) previous.running.close();
      const sameRuntime = previous?.running?.runtime === running.runtime;
      const btf = object.btfBytes ? safeBtf(object.btfBytes) : undefined;
      const snapshotter = new MapSnapshotter(btf);
      if (sameRuntime && previous?.snapshotter) snapshotter.importBaselines(previous.snapshotter.exportBaselines());
      if (adopted) snapshotter.importBaselines(this.pins[p.program]?.baselines ?? {});
      if (running instanceof VmRunningProgram && !previous) this.restoreVmState(p, running, snapshotter);
      if (running instanceof KernelRunningProgram && !adopted) this.rememberPins(p);
      else if (!(running instanceof KernelRunningProgram)) this.forgetPins(p.program);
      this.programs.set(p.program, {
        desired: p,
        running,
        snapshotter,
        object,
        // The CPU budget applies from the first event on, not from the first snapshot.
        ...(running instanceof VmRunningProgram ? { cpuMark: { at: process.hrtime.bigint(), runTimeNs: running.stats().runTimeNs } } : {}),
        status: { ...base, state: 'loaded', runtime: { kind: choice.kind, reason: choice.reason.slice(0, 256) }, attachPoints: running.attachPoints.slice(0, 256).map((a) => a.slice(0, 256)), runCount: 0, runTimeNs: 0 },
      });
      this.log('info', `loaded ${p.program} v${p.version} in the ${choice.kind} (${choice.reason})`, { attachPoints: running.attachPoints });
    } catch (e) {
      this.errors++;
      const error = describeFailure(e);
      this.log('error', `${p.program} v${p.version} failed: ${error.code}: ${error.message}`);
      // The controller asked for this version; the previous one is no longer wanted, so it stops too
      // (a rollout sees `failed` and rolls back by asking for the old version again).
      previous?.running?.close();
      this.forgetPins(p.program);
      this.vmState.forget(p.program);
      const runtime = decision ? { runtime: { kind: decision.kind, reason: decision.reason.slice(0, 256) } } : {};
      this.programs.set(p.program, { desired: p, status: { ...base, state: 'failed', error, ...runtime } });
    }
  }

  private startRuntime(p: DesiredProgram, object: BpfObject, choice: RuntimeDecision, previous: Managed | undefined): RunningProgram {
    const old = previous?.running;
    const oldSpecs = previous?.object?.maps ?? [];
    const compatible = (name: string) => {
      const a = object.maps.find((m) => m.name === name);
      const b = oldSpecs.find((m) => m.name === name);
      return !!a && !!b && a.type === b.type && a.keySize === b.keySize && a.valueSize === b.valueSize && a.maxEntries === b.maxEntries && a.flags === b.flags && a.origin !== 'rodata';
    };
    if (choice.kind === 'kernel') {
      const reuse = new Map<string, KernelMap>();
      if (old instanceof KernelRunningProgram) {
        for (const spec of object.maps) {
          const m = old.map(spec.name);
          if (m && compatible(spec.name) && spec.origin !== 'data' && spec.origin !== 'bss') reuse.set(spec.name, m);
        }
      }
      // Leftovers of a run that crashed between pinning and recording: nothing of ours holds them.
      const pinDir = this.pinDir(p);
      removePinDir(pinDir);
      return KernelRunningProgram.start(object, { name: objectName(p.program), interface: this.config.interface, reuseMaps: reuse, pinDir });
    }
    const carry = new Map<string, VmMap>();
    if (old instanceof VmRunningProgram) for (const m of old.vm.maps) if (compatible(m.name)) carry.set(m.name, m);
    const running = VmRunningProgram.start(object, {
      cpus: Math.max(1, this.caps?.possibleCpus ?? 1),
      budget: this.config.vmBudget,
      carryOver: carry,
      onStopped: (error) => this.onVmStopped(p.program, running, error),
    });
    return running;
  }

  private saveVmState(m: Managed, running: VmRunningProgram, snapshotter: MapSnapshotter): void {
    try {
      this.vmState.save(m.desired.program, m.desired.version, m.desired.digest, running.vm.maps, snapshotter.exportBaselines());
    } catch (e) {
      // The program keeps running; only a restart would start it from emptier maps.
      this.errors++;
      this.log('error', `keeping the VM state of ${m.desired.program} failed: ${(e as Error).message}`);
    }
  }

  /** The maps and counter baselines this version had at its last snapshot before the agent restarted. */
  private restoreVmState(p: DesiredProgram, running: VmRunningProgram, snapshotter: MapSnapshotter): void {
    const saved = this.vmState.load(p.program, p.version, p.digest);
    if (!saved) return;
    const entries = restoreVmMaps(running.vm.maps, saved);
    snapshotter.importBaselines(saved.baselines);
    this.log('info', `restored ${p.program} v${p.version}'s VM maps from its last snapshot (${entries} entries)`);
  }

  /** One directory per (program, version, digest), so a new version pins while the old one still runs. */
  private pinDir(p: DesiredProgram): string {
    return pinPath('agents', this.id, `${objectName(p.program)}-v${p.version}-${p.digest.slice(0, 12)}`);
  }

  /** The same version pinned by a previous run of this agent, still attached: take it over. */
  private adopt(p: DesiredProgram, object: BpfObject): KernelRunningProgram | undefined {
    const record = this.pins[p.program];
    if (!record) return undefined;
    if (record.version !== p.version || record.digest !== p.digest) {
      // Another version was pinned before the restart and is no longer wanted: unpinning detaches it.
      removePinDir(record.pinDir);
      this.forgetPins(p.program);
      return undefined;
    }
    try {
      const running = KernelRunningProgram.adopt(object, record.pinDir);
      this.log('info', `re-adopted pinned ${p.program} v${p.version} from ${record.pinDir}`);
      return running;
    } catch (e) {
      this.log('warn', `cannot re-adopt ${p.program} from ${record.pinDir} (${(e as Error).message}); loading it again`);
      this.forgetPins(p.program);
      return undefined;
    }
  }

  private rememberPins(p: DesiredProgram): void {
    this.pins[p.program] = { version: p.version, digest: p.digest, pinDir: this.pinDir(p) };
    this.state.writeJson(PIN_RECORDS, this.pins);
  }

  private forgetPins(program: string): void {
    const record = this.pins[program];
    if (!record) return;
    delete this.pins[program];
    this.state.writeJson(PIN_RECORDS, this.pins);
  }

  private onVmStopped(program: string, running: VmRunningProgram, error: VmHostError): void {
    const m = this.programs.get(program);
    if (!m || m.running !== running) return;
    this.errors++;
    this.log('error', `${program} stopped: ${error.message}`);
    m.status = { ...m.status, state: 'failed', error: { code: error.code, message: error.message.slice(0, 4096) }, since: this.now() };
    this.publishStatus();
  }

  private async fetch(p: DesiredProgram): Promise<Uint8Array> {
    if (!this.artifacts) throw new AgentError('NOT_CONNECTED', 'not connected to the artifact store');
    const bytes = await this.artifacts.getBlob(p.objectKey);
    if (!bytes) throw new AgentError('ARTIFACT_MISSING', `artifact ${p.objectKey} is not in the object store`);
    return bytes;
  }

  /** Run the VM programs an application event reaches. */
  deliver(event: AppEvent): number {
    let ran = 0;
    for (const m of this.programs.values()) {
      if (m.running instanceof VmRunningProgram && m.status.state === 'loaded') ran += m.running.deliver(event.probe, event.payload);
    }
    this.eventsDelivered += ran;
    return ran;
  }

  /** Run the VM programs an event from a source (packet, sample, replayed record, app event) reaches. */
  deliverEvent(event: VmEvent): number {
    let ran = 0;
    for (const m of this.programs.values()) {
      if (m.running instanceof VmRunningProgram && m.status.state === 'loaded') ran += deliverEvent(m.running, event);
    }
    this.eventsDelivered += ran;
    return ran;
  }

  /** Snapshot every loaded program's maps into metric batches (buffered, then sent in order). */
  async snapshotAll(): Promise<void> {
    if (this.stopped) return;
    for (const m of this.programs.values()) {
      if (!m.running || !m.snapshotter || m.status.state !== 'loaded') continue;
      let maps: MapSnapshot[];
      let events: RingEvent[];
      try {
        const snapshotter = m.snapshotter;
        maps = m.running.readMaps().map((raw) => snapshotter.snapshot(raw));
        events = snapshotter.events(m.running.takeEvents());
      } catch (e) {
        this.errors++;
        this.log('error', `reading maps of ${m.desired.program} failed: ${(e as Error).message}`);
        continue;
      }
      maps = maps.filter((s) => s.entries.length > 0);
      const chunks = chunkMaps(maps);
      const record = this.pins[m.desired.program];
      if (record && chunks.length && m.running instanceof KernelRunningProgram) {
        // Before the batches: a crash between the two must neither lose these deltas nor count them twice.
        if (record.pending) record.baselines = record.pending.baselines;
        record.pending = { seq: this.state.lastSeq + chunks.length, baselines: m.snapshotter.exportBaselines() };
        this.state.writeJson(PIN_RECORDS, this.pins);
      }
      for (const chunk of chunks) this.enqueueBatch(m.desired, chunk, []);
      for (let i = 0; i < events.length; i += EVENTS_PER_BATCH) this.enqueueBatch(m.desired, [], events.slice(i, i + EVENTS_PER_BATCH));
      if (m.running instanceof VmRunningProgram) {
        // After the batches: the kept state never runs ahead of what was buffered.
        if (chunks.length) this.saveVmState(m, m.running, m.snapshotter);
        this.checkCpuBudget(m, m.running);
      }
    }
    this.publishStatus();
    await this.drain();
  }

  private enqueueBatch(p: DesiredProgram, maps: MapSnapshot[], events: RingEvent[]): void {
    const seq = this.state.lastSeq + 1;
    const at = this.now();
    const data = encodeMessage('metrics', { v: PROTOCOL_VERSION, kind: 'metrics', agentId: this.id, sentAt: at, seq, program: p.program, version: p.version, collectedAt: at, maps, events });
    // The batch file first, then the counter: a crash in between is repaired from the buffer at start-up
    // (no reused number, no gap).
    this.buffer.push(seq, data);
    this.state.commitSeq(seq);
  }

  /**
   * Stop a VM program that used more than `vmCpuBudget` of one core since the previous check (its data
   * up to now was just snapshotted), so a busy event source cannot make it starve the host.
   */
  private checkCpuBudget(m: Managed, running: VmRunningProgram): void {
    const now = process.hrtime.bigint();
    const used = running.stats().runTimeNs;
    const mark = m.cpuMark;
    m.cpuMark = { at: now, runTimeNs: used };
    if (!mark) return;
    const wallNs = Number(now - mark.at);
    const share = wallNs > 0 ? (used - mark.runTimeNs) / wallNs : 0;
    if (share <= this.config.vmCpuBudget) return;
    running.close();
    const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 3 : 1)} %`;
    const error = new AgentError('VM_CPU_BUDGET_EXCEEDED', `${m.desired.program}: used ${pct(share)} of a CPU over the last ${(wallNs / 1e9).toFixed(1)} s (budget ${pct(this.config.vmCpuBudget)}); stopped`, { program: m.desired.program });
    this.onVmStopped(m.desired.program, running, error);
  }

  /** Metric batches waiting on disk for JetStream. */
  get buffered(): number {
    return this.buffer.length;
  }

  get lastSeq(): number {
    return this.state.lastSeq;
  }

  /** Send buffered batches in sequence order; stops at the first failure and resumes on the next tick. */
  async drain(): Promise<void> {
    // Offline, every attempt would leave one more copy of the oldest batch in the client's unbounded
    // outbound queue; the reconnect handler drains.
    if (this.draining || !this.js || this.offline) return;
    this.draining = true;
    try {
      for (let next = this.buffer.peek(); next && !this.stopped; next = this.buffer.peek()) {
        try {
          await this.js.publish(this.names.metrics(this.id), next.data, { msgID: metricsMessageId(this.id, next.seq) });
        } catch (e) {
          this.log('debug', `metric batch ${next.seq} not sent yet: ${(e as Error).message}`);
          return;
        }
        this.buffer.remove(next.seq);
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * Stop streaming. By default every program is detached (SIGTERM); with `detach: false` kernel programs
   * stay attached and pinned for the next run of the agent to re-adopt (an upgrade, or what a crash leaves).
   */
  async stop(options: { detach?: boolean } = {}): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.stopWatch?.();
    await this.reconciling;
    await this.sources?.stop();
    this.kernelStats?.close();
    this.kernelStats = undefined;
    if (options.detach ?? true) {
      for (const [name, m] of this.programs) {
        m.running?.close();
        this.forgetPins(name);
        this.vmState.forget(name);
      }
    } else {
      for (const m of this.programs.values()) m.running?.release();
    }
    this.programs.clear();
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }
}

/**
 * At start-up: a snapshot's baselines count only if its batches reached the disk buffer before the
 * previous run ended (the sequence counter, repaired from the buffer, says whether they did).
 */
function settlePinBaselines(pins: Record<string, PinRecord>, lastSeq: number): void {
  for (const record of Object.values(pins)) {
    if (!record.pending) continue;
    if (record.pending.seq <= lastSeq) record.baselines = record.pending.baselines;
    delete record.pending;
  }
}

function objectName(program: string): string {
  // libbpf names maps `<object>.<section>` for global data; keep object names short and safe.
  return program.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15) || 'prog';
}

function loadArtifact(bytes: Uint8Array, program: string): BpfObject {
  try {
    return loadBpfObject(bytes, { name: `${program}.o` });
  } catch (e) {
    throw new AgentError('INVALID_OBJECT', `artifact is not a loadable BPF object: ${(e as Error).message}`);
  }
}

function safeBtf(bytes: Uint8Array): Btf | undefined {
  try {
    return parseBtf(bytes);
  } catch {
    return undefined;
  }
}

function describeFailure(e: unknown): { code: string; message: string; verifierLog?: string } {
  if (e instanceof KernelLoadError) {
    if (!e.program) {
      // Maps, BTF or relocations failed before any program reached the verifier: libbpf says which.
      const why = libbpfCause(e.libbpfLog);
      return { code: 'OBJECT_LOAD_FAILED', message: `${e.message}${why ? `: ${why}` : ''}`.slice(0, 4096) };
    }
    const log = e.log.length > MAX_VERIFIER_LOG ? e.log.slice(e.log.length - MAX_VERIFIER_LOG) : e.log;
    return { code: 'VERIFIER_REJECTED', message: e.message.slice(0, 4096), ...(log ? { verifierLog: log } : {}) };
  }
  const err = e as Error & { code?: unknown };
  const code = e instanceof AgentError ? e.code : typeof err.code === 'string' ? err.code : 'LOAD_FAILED';
  return { code: code.slice(0, 256), message: String(err.message ?? e).slice(0, 4096) };
}

/** libbpf's own reason for a failed object load (`map 'history': failed to create: …`), if it gave one. */
export function libbpfCause(libbpfLog: string): string | undefined {
  const lines = libbpfLog.split('\n').map((l) => l.replace(/^libbpf:\s*/, '').trim());
  // The last complaint before libbpf's closing "failed to load object" is the final one (earlier lines
  // may be retries, e.g. "Retrying without BTF").
  return lines.filter((l) => /fail|error|invalid/i.test(l) && !/^failed to load object|retrying/i.test(l)).at(-1);
}

/** Split map snapshots so no batch exceeds the protocol's entry limit. */
function chunkMaps(maps: MapSnapshot[], maxEntries = 20_000): MapSnapshot[][] {
  const out: MapSnapshot[][] = [];
  let current: MapSnapshot[] = [];
  let count = 0;
  for (const m of maps) {
    for (let i = 0; i < Math.max(1, m.entries.length); i += maxEntries) {
      const part = { ...m, entries: m.entries.slice(i, i + maxEntries) };
      if (count + part.entries.length > maxEntries && current.length) {
        out.push(current);
        current = [];
        count = 0;
      }
      current.push(part);
      count += part.entries.length;
    }
  }
  if (current.length) out.push(current);
  return out;
}
