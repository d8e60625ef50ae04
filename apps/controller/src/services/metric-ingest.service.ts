import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, type Consumer, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { decodeMessage, type MetricBatch } from '@bpfleet/protocol';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';
import { NatsService } from '../nats/nats.service.js';
import { MetricsService } from './metrics.service.js';
import { daysOf, eventLines, EVENT_COLUMNS, SAMPLE_COLUMNS, sampleLines } from './metric-rows.js';

export interface IngestStats {
  batches: number;
  duplicates: number;
  entries: number;
  deadLettered: number;
}

/**
 * JetStream → Postgres. A durable pull consumer hands over up to INGEST_BATCH messages; valid batches
 * are written in one transaction (batch ids claimed in metric_batches, then COPY of samples and
 * events) and acknowledged only after COMMIT. A batch id already claimed is a redelivery: acked, not
 * written again. Invalid messages, and messages that keep failing, go to the dead-letter subject with
 * the reason and are terminated, so one bad message never blocks the stream.
 */
@Injectable()
export class MetricIngestService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MetricIngestService.name);
  private readonly pool: pg.Pool;
  private running = false;
  private loop?: Promise<void>;
  readonly stats: IngestStats = { batches: 0, duplicates: 0, entries: 0, deadLettered: 0 };

  constructor(
    @Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig,
    private readonly nats: NatsService,
    private readonly metrics: MetricsService,
  ) {
    this.pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 2 });
  }

  async onApplicationBootstrap(): Promise<void> {
    const n = this.nats.names;
    const consumerConfig = {
      durable_name: n.metricsConsumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: n.metricsAll,
      ack_wait: 30 * 1e9,
      max_deliver: -1,
      max_ack_pending: 20_000,
    };
    try {
      await this.nats.jsm.consumers.info(n.metricsStream, n.metricsConsumer);
    } catch {
      await this.nats.jsm.consumers.add(n.metricsStream, consumerConfig);
    }
    const consumer = await this.nats.js.consumers.get(n.metricsStream, n.metricsConsumer);
    this.running = true;
    this.loop = this.run(consumer);
  }

  private async run(consumer: Consumer): Promise<void> {
    while (this.running) {
      try {
        const messages: JsMsg[] = [];
        const iter = await consumer.fetch({ max_messages: this.config.INGEST_BATCH, expires: 1000 });
        for await (const m of iter) messages.push(m);
        if (messages.length > 0) await this.ingest(messages);
      } catch (e) {
        if (!this.running) break;
        this.logger.error(`ingest loop: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** One fetched set of messages: decode, write, then ack (or nak / dead-letter). */
  async ingest(messages: readonly JsMsg[]): Promise<void> {
    const valid: { msg: JsMsg; batch: MetricBatch }[] = [];
    for (const msg of messages) {
      const decoded = decodeMessage('metrics', msg.data);
      if (!decoded.ok) {
        await this.deadLetter(msg, decoded.error.message);
        continue;
      }
      if (!msg.subject.endsWith(`.${decoded.value.agentId}`)) {
        await this.deadLetter(msg, `batch from ${decoded.value.agentId} published on ${msg.subject}`);
        continue;
      }
      valid.push({ msg, batch: decoded.value });
    }
    if (valid.length === 0) return;
    try {
      const written = await this.write(valid.map((v) => v.batch));
      for (const v of valid) v.msg.ack();
      this.stats.batches += written.batches;
      this.stats.duplicates += valid.length - written.batches;
      this.stats.entries += written.entries;
      this.metrics.natsMessages.inc({ kind: 'metrics', outcome: 'ok' }, written.batches);
      if (valid.length > written.batches) this.metrics.natsMessages.inc({ kind: 'metrics', outcome: 'duplicate' }, valid.length - written.batches);
    } catch (e) {
      const reason = (e as Error).message;
      this.logger.warn(`metric write failed for ${valid.length} batches: ${reason}`);
      for (const v of valid) {
        if (v.msg.info.deliveryCount >= this.config.INGEST_MAX_DELIVER) await this.deadLetter(v.msg, `not written after ${v.msg.info.deliveryCount} deliveries: ${reason}`);
        else v.msg.nak(1000 * v.msg.info.deliveryCount);
      }
    }
  }

  private async write(batches: readonly MetricBatch[]): Promise<{ batches: number; entries: number }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const day of daysOf(batches)) {
        await client.query(`SELECT ensure_day_partition('metric_samples', $1::date), ensure_day_partition('metric_events', $1::date)`, [day]);
      }
      // Claim the (agent, seq) ids; those already present are redeliveries and are skipped.
      const claimed = await client.query<{ agent_id: string; seq: string }>(
        `INSERT INTO metric_batches (agent_id, seq) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING RETURNING agent_id, seq`,
        [batches.map((b) => b.agentId), batches.map((b) => b.seq)],
      );
      const fresh = new Set(claimed.rows.map((r) => `${r.agent_id}:${r.seq}`));
      // A batch repeated inside one fetch is claimed once: keep its first copy only.
      const seen = new Set<string>();
      const toWrite = batches.filter((b) => {
        const id = `${b.agentId}:${b.seq}`;
        if (!fresh.has(id) || seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      const samples = toWrite.flatMap(sampleLines);
      const events = toWrite.flatMap(eventLines);
      if (samples.length > 0) await this.copy(client, 'metric_samples', SAMPLE_COLUMNS, samples);
      if (events.length > 0) await this.copy(client, 'metric_events', EVENT_COLUMNS, events);
      await client.query('COMMIT');
      return { batches: toWrite.length, entries: samples.length + events.length };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  private async copy(client: pg.PoolClient, table: string, columns: readonly string[], lines: string[]): Promise<void> {
    const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
    const chunks = function* () {
      for (let i = 0; i < lines.length; i += 1000) yield `${lines.slice(i, i + 1000).join('\n')}\n`;
    };
    await pipeline(Readable.from(chunks()), stream);
  }

  private async deadLetter(msg: JsMsg, reason: string): Promise<void> {
    const h = natsHeaders();
    h.set('Bpfleet-Reason', reason.slice(0, 1024));
    h.set('Bpfleet-Subject', msg.subject);
    h.set('Bpfleet-Stream-Seq', String(msg.info.streamSequence));
    this.nats.nc.publish(this.nats.names.metricsDeadLetter, msg.data, { headers: h });
    msg.term(reason.slice(0, 256));
    this.stats.deadLettered++;
    this.metrics.natsMessages.inc({ kind: 'metrics', outcome: 'dead_letter' });
    this.logger.warn(`dead-lettered metric message ${msg.info.streamSequence} from ${msg.subject}: ${reason}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.pool.end();
  }
}
