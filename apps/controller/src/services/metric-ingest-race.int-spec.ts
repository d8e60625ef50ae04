import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { PROTOCOL_VERSION, encodeMessage, type MapSnapshot } from '@bpfleet/protocol';
import { DataSource } from 'typeorm';
import { eventually, startTestController, type TestController } from '../testing/harness.js';
import { MetricIngestService } from './metric-ingest.service.js';

const snapshot = (n: number): MapSnapshot => ({ map: 'race', kind: 'counter', entries: Array.from({ length: n }, (_, i) => ({ key: i, value: i + 1, keyHex: i.toString(16).padStart(8, '0'), valueHex: '01' })) });
const batch = (agentId: string, seq: number, entries: number) =>
  encodeMessage('metrics', { v: PROTOCOL_VERSION, kind: 'metrics', agentId, sentAt: new Date().toISOString(), seq, program: 'race', version: 1, collectedAt: new Date(Date.now() - 60_000).toISOString(), maps: [snapshot(entries)], events: [] });

/**
 * Two controller instances on one database and one NATS prefix: both ingest from the same durable
 * consumer, and copies of one batch (an agent replaying it with a new message id) may reach both at
 * the same moment. The (agent, seq) claim must let exactly one of them write it.
 */
describe('metric ingest: concurrent claims across controller instances (integration)', () => {
  let a: TestController;
  let b: TestController;
  let nc: NatsConnection;
  const count = async (sql: string, params: unknown[] = []) => Number((await a.app.get(DataSource).query<{ n: string }[]>(sql, params))[0]!.n);

  beforeAll(async () => {
    a = await startTestController({ MAINTENANCE_JOBS: 'false', INGEST_CONCURRENCY: '2' });
    b = await startTestController({ MAINTENANCE_JOBS: 'false', INGEST_CONCURRENCY: '2', DATABASE_URL: a.config.DATABASE_URL, NATS_PREFIX: a.config.NATS_PREFIX });
    nc = await connect({ servers: a.config.NATS_URL });
  });
  afterAll(async () => {
    await nc?.close();
    // b shares a's stream and database: close it first, a removes them.
    await b?.close();
    await a?.close();
  });

  it('should write a batch handed to both instances at once exactly once and ack both copies after commit', async () => {
    // Real deliveries of two copies of one batch from a side stream, handed to each instance's ingest at the same moment.
    const jsm = await jetstreamManager(nc);
    const stream = `${a.config.NATS_PREFIX}_RACE`;
    const subject = `${a.config.NATS_PREFIX}.race.racer`;
    await jsm.streams.add({ name: stream, subjects: [subject] });
    try {
      await jsm.consumers.add(stream, { durable_name: 'race', ack_policy: AckPolicy.Explicit });
      const js = jetstream(nc);
      await js.publish(subject, batch('racer', 1, 300), { msgID: 'copy-1' });
      await js.publish(subject, batch('racer', 1, 300), { msgID: 'copy-2' });
      const consumer = await js.consumers.get(stream, 'race');
      const copies: JsMsg[] = [];
      for await (const m of await consumer.fetch({ max_messages: 2, expires: 2000 })) copies.push(m);
      expect(copies).toHaveLength(2);

      await Promise.all([a.app.get(MetricIngestService).ingest([copies[0]!]), b.app.get(MetricIngestService).ingest([copies[1]!])]);

      expect(await count(`SELECT count(*) AS n FROM metric_samples WHERE agent_id = 'racer'`)).toBe(300);
      expect(await count(`SELECT count(*) AS n FROM metric_batches WHERE agent_id = 'racer'`)).toBe(1);
      const ingested = [a, b].map((t) => t.app.get(MetricIngestService).stats);
      expect(ingested.reduce((n, s) => n + s.batches, 0)).toBe(1);
      expect(ingested.reduce((n, s) => n + s.duplicates, 0)).toBe(1);
      await eventually(async () => ((await consumer.info()).num_ack_pending === 0 ? true : undefined), 5000, 'both copies acked');
    } finally {
      await jsm.streams.delete(stream);
    }
  });

  it('should store every entry once when both instances consume copies of the same batches', async () => {
    const js = jetstream(nc);
    const before = new Map([a, b].map((t) => { const x = t.app.get(MetricIngestService).stats; return [x, { ...x }] as const; }));
    const subject = (agent: string) => `${a.config.NATS_PREFIX}.metrics.${agent}`;
    const agents = ['r0', 'r1', 'r2', 'r3'];
    const perAgent = 40;
    // Every batch twice, under two message ids (JetStream keeps both), interleaved.
    for (let seq = 1; seq <= perAgent; seq++) {
      await Promise.all(agents.flatMap((agent) => [js.publish(subject(agent), batch(agent, seq, 50), { msgID: `${agent}:${seq}` }), js.publish(subject(agent), batch(agent, seq, 50), { msgID: `${agent}:${seq}:again` })]));
    }
    const total = agents.length * perAgent;
    const handled = () => [a, b].map((t) => t.app.get(MetricIngestService).stats).map((x) => ({ batches: x.batches - (before.get(x)?.batches ?? 0), duplicates: x.duplicates - (before.get(x)?.duplicates ?? 0) }));
    await eventually(async () => (handled().reduce((n, x) => n + x.batches + x.duplicates, 0) >= 2 * total ? true : undefined), 30_000, 'both copies of every batch handled');
    expect(await count(`SELECT count(*) AS n FROM metric_samples WHERE agent_id = ANY($1)`, [agents])).toBe(total * 50);
    expect(await count(`SELECT count(*) AS n FROM (SELECT agent_id, seq, key_hex FROM metric_samples WHERE agent_id = ANY($1) GROUP BY 1, 2, 3 HAVING count(*) > 1) d`, [agents])).toBe(0);
    const s = handled();
    expect(s.reduce((n, x) => n + x.batches, 0)).toBe(total);
    // Both instances took part (the consumer spreads fetches over them).
    expect(s.every((x) => x.batches + x.duplicates > 0)).toBe(true);
  });
});
