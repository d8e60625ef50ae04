import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, type Consumer, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { decodeMessage } from '@bpfleet/protocol';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';
import { NatsService } from '../nats/nats.service.js';
import { MetricsService } from './metrics.service.js';
import { batchRows, COPY_BINARY_HEADER, COPY_BINARY_TRAILER, daysOf, EVENT_COLUMNS, SAMPLE_COLUMNS, type BatchRows } from './metric-rows.js';

/** Entries per write transaction: a large fetch is split so that its parts are written in parallel. */
const ENTRIES_PER_WRITE = 40_000;

/** A decoded, valid metric message, already turned into COPY rows. */
interface PreparedBatch {
  readonly msg: JsMsg;
  readonly agentId: string;
  readonly seq: number;
  readonly rows: BatchRows;
  readonly days: readonly string[];
}

export interface IngestStats {
  batches: number;
  duplicates: number;
  entries: number;
  deadLettered: number;
}

/**
 * JetStream → Postgres. A durable pull consumer hands over up to INGEST_FETCH_BYTES of messages; valid batches
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
  private loops: Promise<void>[] = [];
  /** Days whose partitions exist (or are being created) in this process. */
  private readonly partitions = new Map<string, Promise<void>>();
  readonly stats: IngestStats = { batches: 0, duplicates: 0, entries: 0, deadLettered: 0 };

  constructor(
    @Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig,
    private readonly nats: NatsService,
    private readonly metrics: MetricsService,
  ) {
    // One connection per fetch/write loop.
    this.pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: config.INGEST_CONCURRENCY });
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
    // Several loops: while one waits for its COPY and COMMIT, another decodes or fetches. Claims in
    // metric_batches stay exact across loops (a concurrent claim of the same id waits for the first
    // transaction, then skips it or, after a rollback, takes it).
    this.loops = Array.from({ length: this.config.INGEST_CONCURRENCY }, () => this.run(consumer));
  }

  private async run(consumer: Consumer): Promise<void> {
    while (this.running) {
      const messages: JsMsg[] = [];
      try {
        // Bounded by bytes, not messages: a few MiB per fetch keeps the client's read buffer and the heap
        // small whatever the message size.
        const iter = await consumer.fetch({ max_bytes: this.config.INGEST_FETCH_BYTES, expires: 1000 });
        for await (const m of iter) messages.push(m);
      } catch (e) {
        // A fetch that ends early (e.g. missed heartbeats) still handed over valid deliveries: write
        // them now rather than leave them to be redelivered after the ack wait.
        if (!this.running) break;
        // A byte-bounded fetch ends with this status when the next message would not fit: normal.
        if (!/exceeds maxbytes/i.test((e as Error).message)) this.logger.warn(`ingest fetch: ${(e as Error).message}`);
        if (messages.length === 0) await new Promise((r) => setTimeout(r, 1000));
      }
      try {
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
    const valid: PreparedBatch[] = [];
    for (const [i, msg] of messages.entries()) {
      // Decoding a large fetch takes a while: let the other loops' fetches and heartbeats through.
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      const decoded = decodeMessage('metrics', msg.data);
      if (!decoded.ok) {
        await this.deadLetter(msg, decoded.error.message);
        continue;
      }
      const batch = decoded.value;
      if (!msg.subject.endsWith(`.${batch.agentId}`)) {
        await this.deadLetter(msg, `batch from ${batch.agentId} published on ${msg.subject}`);
        continue;
      }
      valid.push({ msg, agentId: batch.agentId, seq: batch.seq, rows: batchRows(batch), days: daysOf(batch) });
    }
    await Promise.all(chunksByEntries(valid, ENTRIES_PER_WRITE).map((part) => this.writeAndAck(part)));
  }

  /** Write one part of a fetch in its own transaction, then ack it (or nak / dead-letter on failure). */
  private async writeAndAck(valid: readonly PreparedBatch[]): Promise<void> {
    try {
      const written = await this.write(valid);
      for (const v of valid) v.msg.ack();
      this.stats.batches += written.batches;
      this.stats.duplicates += valid.length - written.batches;
      this.stats.entries += written.entries;
      this.metrics.natsMessages.inc({ kind: 'metrics', outcome: 'ok' }, written.batches);
      if (valid.length > written.batches) this.metrics.natsMessages.inc({ kind: 'metrics', outcome: 'duplicate' }, valid.length - written.batches);
    } catch (e) {
      const reason = (e as Error).message;
      // A partition may have been dropped by retention since it was cached: check again next time.
      this.partitions.clear();
      this.logger.warn(`metric write failed for ${valid.length} batches: ${reason}`);
      for (const v of valid) {
        if (v.msg.info.deliveryCount >= this.config.INGEST_MAX_DELIVER) await this.deadLetter(v.msg, `not written after ${v.msg.info.deliveryCount} deliveries: ${reason}`);
        else v.msg.nak(1000 * v.msg.info.deliveryCount);
      }
    }
  }

  /**
   * One transaction: claim the (agent, seq) ids, COPY the rows of the batches claimed here, COMMIT.
   * Ids already present are redeliveries (or claimed by a concurrent transaction that committed) and
   * are skipped; a concurrent claim of the same id waits for the other transaction to end.
   */
  private async write(batches: readonly PreparedBatch[]): Promise<{ batches: number; entries: number }> {
    const client = await this.pool.connect();
    try {
      await this.ensurePartitions(client, [...new Set(batches.flatMap((b) => b.days))]);
      await client.query('BEGIN');
      // Claimed in one order so that concurrent loops never wait on each other in a cycle.
      const ids = batches.map((b) => ({ agentId: b.agentId, seq: b.seq })).sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : a.seq - b.seq));
      const claimed = await client.query<{ agent_id: string; seq: string }>(
        `INSERT INTO metric_batches (agent_id, seq) SELECT t.agent_id, t.seq FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS t(agent_id, seq, n) ORDER BY n ON CONFLICT DO NOTHING RETURNING agent_id, seq`,
        [ids.map((b) => b.agentId), ids.map((b) => b.seq)],
      );
      const fresh = new Set(claimed.rows.map((r) => `${r.agent_id}:${r.seq}`));
      // A batch repeated inside one fetch is claimed once: keep its first copy only.
      const toWrite = batches.filter((b) => fresh.delete(`${b.agentId}:${b.seq}`));
      const samples = toWrite.filter((b) => b.rows.sampleCount > 0).map((b) => b.rows.samples);
      const events = toWrite.filter((b) => b.rows.eventCount > 0).map((b) => b.rows.events);
      if (samples.length > 0) await this.copy(client, 'metric_samples', SAMPLE_COLUMNS, samples);
      if (events.length > 0) await this.copy(client, 'metric_events', EVENT_COLUMNS, events);
      await client.query('COMMIT');
      return { batches: toWrite.length, entries: toWrite.reduce((n, b) => n + b.rows.sampleCount + b.rows.eventCount, 0) };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  /**
   * Day partitions are created outside the write transaction and once per day per process: two loops
   * creating the same partition inside their transactions would make one of them fail.
   */
  private async ensurePartitions(client: pg.PoolClient, days: readonly string[]): Promise<void> {
    for (const day of days) {
      let ready = this.partitions.get(day);
      if (!ready) {
        ready = client.query(`SELECT ensure_day_partition('metric_samples', $1::date), ensure_day_partition('metric_events', $1::date)`, [day]).then(() => undefined);
        this.partitions.set(day, ready);
        ready.catch(() => this.partitions.delete(day));
      }
      await ready;
    }
  }

  /** COPY the given rows (whole binary COPY tuples). */
  private async copy(client: pg.PoolClient, table: string, columns: readonly string[], rows: readonly Buffer[]): Promise<void> {
    const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT binary)`));
    await pipeline(Readable.from([COPY_BINARY_HEADER, ...rows, COPY_BINARY_TRAILER]), stream);
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
    await Promise.all(this.loops);
    await this.pool.end();
  }
}

/** Consecutive parts of at most `limit` entries (a single larger batch forms a part of its own). */
function chunksByEntries(items: readonly PreparedBatch[], limit: number): PreparedBatch[][] {
  const parts: PreparedBatch[][] = [];
  let part: PreparedBatch[] = [];
  let entries = 0;
  for (const item of items) {
    const n = item.rows.sampleCount + item.rows.eventCount;
    if (part.length > 0 && entries + n > limit) {
      parts.push(part);
      part = [];
      entries = 0;
    }
    part.push(item);
    entries += n;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}
