import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { PROTOCOL_VERSION, encodeMessage, type MapSnapshot } from '@bpfleet/protocol';
import { DataSource } from 'typeorm';
import { SimFleet } from '@bpfleet/agent-sim';
import { eventually, startTestController, type TestController } from '../testing/harness.js';
import { MetricIngestService } from './metric-ingest.service.js';

const hex = (n: number, bytes: number) => Buffer.from(new BigUint64Array([BigInt(n)]).buffer).subarray(0, bytes).toString('hex');

function counter(entries: [string, number][]): MapSnapshot {
  return { map: 'pkts', kind: 'counter', keyType: 'struct flow', valueType: 'u64', entries: entries.map(([proto, v]) => ({ key: { proto }, value: v, keyHex: Buffer.from(proto).toString('hex'), valueHex: hex(v, 8) })) };
}

function histogram(slots: Record<number, number>): MapSnapshot {
  return { map: 'lat', kind: 'log2_histogram', entries: Object.entries(slots).map(([slot, c]) => ({ key: Number(slot), value: c, keyHex: hex(Number(slot), 4), valueHex: hex(c, 8) })) };
}

describe('MetricIngestService + MetricQueryService (integration)', () => {
  let t: TestController;
  let fleet: SimFleet;
  let nc: NatsConnection;
  // 10:00 UTC five days ago: inside the retention window whatever day the suite runs.
  const base = (Math.floor(Date.now() / 86_400_000) - 5) * 86_400_000 + 10 * 3_600_000;
  const at = (minute: number) => new Date(base + minute * 60_000);

  beforeAll(async () => {
    t = await startTestController();
    const key = (await t.request('GET', '/api/v1/signing/public-key', { token: null })).body as { publicKey: string };
    fleet = await SimFleet.connect({ natsUrl: t.config.NATS_URL, prefix: t.config.NATS_PREFIX, publicKeyPem: key.publicKey });
    await fleet.spawn(2, { labels: (i) => ({ env: i === 0 ? 'canary' : 'prod' }) });
    nc = await connect({ servers: t.config.NATS_URL });
    await eventually(async () => (((await t.request('GET', '/api/v1/agents')).body as unknown[]).length === 2 ? true : undefined));
  });
  afterAll(async () => {
    await fleet?.close();
    await nc?.close();
    await t?.close();
  });

  const count = async (sql: string) => Number((await t.app.get(DataSource).query<{ n: string }[]>(sql))[0]!.n);
  const query = async (qs: string) => (await t.request('GET', `/api/v1/metrics/query?program=p&from=${at(0).toISOString()}&to=${at(10).toISOString()}&${qs}`)).body;

  it('should ingest every entry exactly once under redelivery and duplicate publishes', async () => {
    const [a0, a1] = fleet.agents as [NonNullable<(typeof fleet.agents)[0]>, NonNullable<(typeof fleet.agents)[0]>];
    await a0.sendMetrics('p', 1, [counter([['tcp', 10], ['udp', 1]]), histogram({ 1: 4, 3: 4 })], at(0));
    await a0.sendMetrics('p', 1, [counter([['tcp', 20], ['udp', 2]])], at(1));
    await a1.sendMetrics('p', 1, [counter([['tcp', 5]]), histogram({ 3: 2, 5: 2 })], at(1));
    // The same batch again with a fresh JetStream message id: the stream keeps it, the controller must not.
    const js = jetstream(nc);
    const again = encodeMessage('metrics', { v: PROTOCOL_VERSION, kind: 'metrics', agentId: 'sim-0', sentAt: new Date().toISOString(), seq: 1, program: 'p', version: 1, collectedAt: at(0).toISOString(), maps: [counter([['tcp', 10], ['udp', 1]])], events: [] });
    await js.publish(`${t.config.NATS_PREFIX}.metrics.sim-0`, again, { msgID: 'sim-0:1:replayed' });
    // And the same message id twice: JetStream's dedup window drops it.
    await a1.sendMetrics('p', 1, [counter([['tcp', 5]])], at(1), 1);

    const ingest = t.app.get(MetricIngestService);
    await eventually(async () => (ingest.stats.batches === 3 && ingest.stats.duplicates === 1 ? true : undefined));
    expect(await count(`SELECT count(*) AS n FROM metric_samples`)).toBe(2 + 2 + 2 + 1 + 2);
    expect(await count(`SELECT count(*) AS n FROM metric_batches`)).toBe(3);
    expect(await count(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'metric_samples'::regclass`)).toBe(1);
  });

  it('should dead-letter a poison message with the reason and keep ingesting', async () => {
    const dead = nc.subscribe(`${t.config.NATS_PREFIX}.deadletter.metrics`, { max: 1 });
    const js = jetstream(nc);
    await js.publish(`${t.config.NATS_PREFIX}.metrics.sim-0`, new TextEncoder().encode('{"v":1,"kind":"metrics","seq":"NaN"}'));
    for await (const m of dead) {
      expect(m.headers?.get('Bpfleet-Reason')).toMatch(/invalid metrics message/);
      break;
    }
    await fleet.agents[1]!.sendMetrics('p', 1, [counter([['udp', 7]])], at(2));
    const ingest = t.app.get(MetricIngestService);
    await eventually(async () => (ingest.stats.batches === 4 ? true : undefined));
    expect(ingest.stats.deadLettered).toBe(1);
  });

  describe('queries', () => {
    it('should sum counter deltas per step and group by agent, label and key field', async () => {
      expect(await query('map=pkts&agg=sum&step=60')).toMatchObject({
        series: [{ group: 'all', points: [[at(0).toISOString(), 11], [at(1).toISOString(), 27], [at(2).toISOString(), 7]] }],
      });
      expect(((await query('map=pkts&agg=sum&step=600&groupBy=agent')) as { series: unknown[] }).series).toEqual([
        { group: 'sim-0', points: [[at(0).toISOString(), 33]] },
        { group: 'sim-1', points: [[at(0).toISOString(), 12]] },
      ]);
      expect(((await query('map=pkts&agg=sum&step=600&groupBy=label:env')) as { series: unknown[] }).series).toEqual([
        { group: 'canary', points: [[at(0).toISOString(), 33]] },
        { group: 'prod', points: [[at(0).toISOString(), 12]] },
      ]);
      expect(((await query('map=pkts&agg=sum&step=600&groupBy=key:proto&label=env=prod')) as { series: unknown[] }).series).toEqual([
        { group: 'tcp', points: [[at(0).toISOString(), 5]] },
        { group: 'udp', points: [[at(0).toISOString(), 7]] },
      ]);
    });

    it('should compute rate, max, avg and top-k', async () => {
      expect(await query('map=pkts&agg=rate&step=60&key=proto=tcp&agent=sim-0')).toMatchObject({ series: [{ points: [[at(0).toISOString(), 10 / 60], [at(1).toISOString(), 20 / 60]] }] });
      expect(await query('map=pkts&agg=max&step=600')).toMatchObject({ series: [{ points: [[at(0).toISOString(), 20]] }] });
      expect(await query('map=pkts&agg=avg&step=600&key=proto=tcp')).toMatchObject({ series: [{ points: [[at(0).toISOString(), (10 + 20 + 5) / 3]] }] });
      expect(await query('map=pkts&agg=topk&groupBy=key:proto&k=1')).toMatchObject({ top: [{ group: 'tcp', value: 35 }] });
    });

    it('should merge log2 histograms across agents with percentiles', async () => {
      const r = (await query('map=lat&agg=histogram')) as { buckets: { slot: number; count: number }[]; percentiles: { total: number; p50: number; p99: number } };
      expect(r.buckets.map((b) => [b.slot, b.count])).toEqual([[1, 4], [3, 6], [5, 2]]);
      expect(r.percentiles.total).toBe(12);
      expect(r.percentiles.p50).toBeGreaterThanOrEqual(8);
      expect(r.percentiles.p50).toBeLessThan(16);
      expect(r.percentiles.p99).toBeGreaterThanOrEqual(32);
    });

    it.each([
      ['agg=median&map=pkts', /agg must be one of/],
      ['agg=sum', /map/],
      ['agg=sum&map=pkts&groupBy=host', /groupBy must be/],
      ['agg=sum&map=pkts&step=0', /step/],
      ['agg=sum&map=pkts&label=env', /label must be/],
    ])('should refuse %s', async (qs, message) => {
      const r = await t.request('GET', `/api/v1/metrics/query?program=p&${qs}`);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(message);
    });

    it('should refuse an empty or oversized range', async () => {
      expect((await t.request('GET', `/api/v1/metrics/query?program=p&map=pkts&agg=sum&from=${at(5).toISOString()}&to=${at(1).toISOString()}`)).status).toBe(400);
      expect((await t.request('GET', `/api/v1/metrics/query?program=p&map=pkts&agg=sum&step=1&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`)).status).toBe(400);
    });
  });
});
