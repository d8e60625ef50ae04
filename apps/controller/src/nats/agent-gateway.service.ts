import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { agentIdFromSubject, decodeMessage, type MessageByKind } from '@bpfleet/protocol';
import { AgentRegistryService } from '../services/agent-registry.service.js';
import { MetricsService } from '../services/metrics.service.js';
import { NatsService } from './nats.service.js';

type AgentKind = 'announce' | 'heartbeat' | 'status';

/**
 * Consumes agent announcements, heartbeats and status reports (core NATS, one queue group so
 * controller replicas share the load) and marks silent agents stale/offline.
 */
@Injectable()
export class AgentGatewayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AgentGatewayService.name);
  private readonly subscriptions: Subscription[] = [];
  private readonly loops: Promise<void>[] = [];
  /** Per-agent ordering with parallelism across agents: messages of one agent share a lane. */
  private readonly lanes: Promise<void>[] = Array.from({ length: 16 }, () => Promise.resolve());
  private ageTimer?: NodeJS.Timeout;

  constructor(
    private readonly nats: NatsService,
    private readonly registry: AgentRegistryService,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    const n = this.nats.names;
    this.listen('announce', n.announceAll, (m) => this.registry.announce(m).then(() => true));
    this.listen('heartbeat', n.heartbeatAll, (m) => this.registry.heartbeat(m));
    this.listen('status', n.statusAll, (m) => this.registry.status(m));
    this.ageTimer = setInterval(() => {
      this.registry.markByAge().catch((e: unknown) => this.logger.warn(`stale marking failed: ${(e as Error).message}`));
    }, 5000);
    this.ageTimer.unref();
  }

  private listen<K extends AgentKind>(kind: K, subject: string, handle: (m: MessageByKind[K]) => Promise<boolean>): void {
    const sub = this.nats.nc.subscribe(subject, { queue: `${this.nats.names.prefix}-controller` });
    this.subscriptions.push(sub);
    this.loops.push(
      (async () => {
        for await (const msg of sub) {
          const lane = laneOf(msg.subject, this.lanes.length);
          this.lanes[lane] = this.lanes[lane]!.then(() => this.handle(kind, msg, handle));
        }
      })(),
    );
  }

  private async handle<K extends AgentKind>(kind: K, msg: Msg, handle: (m: MessageByKind[K]) => Promise<boolean>): Promise<void> {
    const decoded = decodeMessage(kind, msg.data);
    if (!decoded.ok) {
      this.metrics.natsMessages.inc({ kind, outcome: 'invalid' });
      this.logger.warn(`dropped ${kind} on ${msg.subject}: ${decoded.error.message}`);
      return;
    }
    // An agent may speak only for itself: the subject's id must be the message's.
    if (agentIdFromSubject(msg.subject) !== decoded.value.agentId) {
      this.metrics.natsMessages.inc({ kind, outcome: 'spoofed' });
      this.logger.warn(`dropped ${kind} on ${msg.subject}: claims to be from ${decoded.value.agentId}`);
      return;
    }
    try {
      const known = await handle(decoded.value);
      this.metrics.natsMessages.inc({ kind, outcome: known ? 'ok' : 'unknown_agent' });
    } catch (e) {
      this.metrics.natsMessages.inc({ kind, outcome: 'error' });
      this.logger.error(`handling ${kind} from ${decoded.value.agentId} failed: ${(e as Error).message}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.ageTimer) clearInterval(this.ageTimer);
    for (const sub of this.subscriptions) await sub.drain().catch(() => undefined);
    await Promise.allSettled(this.loops);
    await Promise.allSettled(this.lanes);
  }
}

function laneOf(subject: string, lanes: number): number {
  let h = 0;
  for (let i = 0; i < subject.length; i++) h = (h * 31 + subject.charCodeAt(i)) | 0;
  return Math.abs(h) % lanes;
}
