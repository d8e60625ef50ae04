import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { fleetNames, type FleetNames } from '@bpfleet/protocol';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';

/**
 * The controller's NATS connection and the fleet's JetStream resources: the desired-state KV bucket,
 * the artifact object store and the metrics stream. Created on start if absent.
 */
@Injectable()
export class NatsService implements OnApplicationShutdown {
  private readonly logger = new Logger(NatsService.name);
  readonly names: FleetNames;
  private connection?: NatsConnection;
  private resources?: { js: JetStreamClient; jsm: JetStreamManager; desired: KV; artifacts: ObjectStore };

  constructor(@Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig) {
    this.names = fleetNames(config.NATS_PREFIX);
  }

  async start(): Promise<void> {
    const nc = await connect({ servers: this.config.NATS_URL.split(','), name: 'bpfleet-controller', maxReconnectAttempts: -1 });
    this.connection = nc;
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const desired = await new Kvm(js).create(this.names.desiredBucket, { history: 5 });
    const artifacts = await new Objm(js).create(this.names.artifactStore, { description: 'bpfleet signed artifacts' });
    await this.ensureMetricsStream(jsm);
    this.resources = { js, jsm, desired, artifacts };
    this.logger.log(`connected to NATS ${nc.getServer()} (prefix ${this.names.prefix})`);
  }

  private async ensureMetricsStream(jsm: JetStreamManager): Promise<void> {
    const config = {
      name: this.names.metricsStream,
      subjects: [this.names.metricsAll],
      // Dedup on the agent's `<agentId>:<seq>` message id for agents replaying their disk buffer.
      duplicate_window: 10 * 60 * 1e9,
      max_age: 7 * 24 * 3600 * 1e9,
    };
    try {
      await jsm.streams.info(config.name);
      await jsm.streams.update(config.name, config);
    } catch {
      await jsm.streams.add(config);
    }
  }

  get nc(): NatsConnection {
    if (!this.connection) throw new Error('NATS is not connected yet');
    return this.connection;
  }

  private get r() {
    if (!this.resources) throw new Error('NATS resources are not ready yet');
    return this.resources;
  }
  get js(): JetStreamClient {
    return this.r.js;
  }
  get jsm(): JetStreamManager {
    return this.r.jsm;
  }
  get desired(): KV {
    return this.r.desired;
  }
  get artifacts(): ObjectStore {
    return this.r.artifacts;
  }

  /** Round trip to the server: what /readyz checks. */
  async ping(): Promise<void> {
    await this.nc.flush();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.connection && !this.connection.isClosed()) await this.connection.drain();
  }
}
