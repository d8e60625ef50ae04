import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { fleetNames } from '@bpfleet/protocol';
import { parsePublicKey } from '@bpfleet/signing';
import { SimAgent, type LoadBehaviour, type SimShared } from './sim-agent.js';

export interface SimFleetOptions {
  readonly natsUrl: string;
  readonly prefix: string;
  /** PEM of the controller's public key. */
  readonly publicKeyPem: string;
}

/** Many simulated agents in one process over one NATS connection. */
export class SimFleet {
  readonly agents: SimAgent[] = [];
  private heartbeatTimer?: NodeJS.Timeout;

  private constructor(
    private readonly shared: SimShared,
    private readonly publicKeyPem: string,
  ) {}

  static async connect(options: SimFleetOptions): Promise<SimFleet> {
    const nc: NatsConnection = await connect({ servers: options.natsUrl.split(','), name: 'bpfleet-agent-sim' });
    const js = jetstream(nc);
    const names = fleetNames(options.prefix);
    const desired = await new Kvm(js).open(names.desiredBucket);
    const artifacts = await new Objm(js).open(names.artifactStore);
    return new SimFleet({ artifactCache: new Map(), nc, js, names, desired, artifacts }, options.publicKeyPem);
  }

  async spawn(count: number, template: { idPrefix?: string; labels?: (i: number) => Record<string, string>; kernelRelease?: string; behaviour?: (i: number) => LoadBehaviour | undefined } = {}): Promise<SimAgent[]> {
    const key = parsePublicKey(this.publicKeyPem);
    const created: SimAgent[] = [];
    const start = this.agents.length;
    for (let i = start; i < start + count; i++) {
      const agent = new SimAgent(this.shared, { id: `${template.idPrefix ?? 'sim'}-${i}`, labels: template.labels?.(i), kernelRelease: template.kernelRelease, publicKey: key, behaviour: template.behaviour?.(i) });
      agent.announce();
      await agent.watch();
      created.push(agent);
    }
    this.agents.push(...created);
    await this.shared.nc.flush();
    return created;
  }

  startHeartbeats(intervalMs = 2000): void {
    this.heartbeatTimer = setInterval(() => this.agents.forEach((a) => a.heartbeat()), intervalMs);
    this.heartbeatTimer.unref();
  }

  async close(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.agents.forEach((a) => a.stop());
    await this.shared.nc.drain();
  }
}
