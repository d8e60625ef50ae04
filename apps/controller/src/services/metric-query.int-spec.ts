import type { MapEntry, MapSnapshot } from '@bpfleet/protocol';
import { SimFleet } from '@bpfleet/agent-sim';
import { eventually, startTestController, type TestController } from '../testing/harness.js';
import { MetricIngestService } from './metric-ingest.service.js';

// Map shapes the agent sends for real programs (see examples/): struct values sent whole
// (packets_by_protocol's by_proto), a whole histogram in one array value (syscall_latency's latency_ns),
// per-CPU variants of both.
const entry = (key: MapEntry['key'], value: MapEntry['value']): MapEntry => ({ key, value, keyHex: '00', valueHex: '00' });
const byProto = (stats: Record<number, { packets: number; bytes: number }>): MapSnapshot => ({
  map: 'by_proto', kind: 'gauge', keyType: '__u32', valueType: 'struct proto_stats',
  entries: Object.entries(stats).map(([proto, v]) => ({ ...entry(Number(proto), v), keyHex: Number(proto).toString(16).padStart(8, '0') })),
});
const slots = (counts: Record<number, number>, n = 16) => Array.from({ length: n }, (_, i) => counts[i] ?? 0);
const arrayHistogram = (counts: Record<number, number>): MapSnapshot => ({ map: 'latency_ns', kind: 'gauge', valueType: '__u64[16]', entries: [entry(0, slots(counts))] });

type Series = { group: string; points: [string, number][] }[];
type Histogram = { buckets: { slot: number; count: number }[]; percentiles: { total: number; p50: number | null; p90: number | null; p99: number | null } };

describe('MetricQueryService (integration): struct values, array histograms, running totals', () => {
  let t: TestController;
  let fleet: SimFleet;
  const base = (Math.floor(Date.now() / 86_400_000) - 3) * 86_400_000 + 8 * 3_600_000;
  const at = (minute: number) => new Date(base + minute * 60_000);
  const query = async (qs: string) => {
    const r = await t.request('GET', `/api/v1/metrics/query?from=${at(0).toISOString()}&to=${at(10).toISOString()}&${qs}`);
    expect(r.status).toBe(200);
    return r.body as { series?: Series; top?: { group: string; value: number }[] } & Partial<Histogram>;
  };

  beforeAll(async () => {
    t = await startTestController();
    const key = (await t.request('GET', '/api/v1/signing/public-key', { token: null })).body as { publicKey: string };
    fleet = await SimFleet.connect({ natsUrl: t.config.NATS_URL, prefix: t.config.NATS_PREFIX, publicKeyPem: key.publicKey });
    const [a, b] = await fleet.spawn(2, { idPrefix: 'host', labels: (i) => ({ zone: i === 0 ? 'east' : 'west' }) });
    await eventually(async () => (((await t.request('GET', '/api/v1/agents')).body as unknown[]).length === 2 ? true : undefined));
    // Running totals, as the kernel keeps them: a snapshot every minute (host-0 restarts before minute 3).
    await a!.sendMetrics('pbp', 1, [byProto({ 6: { packets: 10, bytes: 1000 }, 17: { packets: 1, bytes: 50 } })], at(0));
    await a!.sendMetrics('pbp', 1, [byProto({ 6: { packets: 40, bytes: 4000 }, 17: { packets: 3, bytes: 150 } })], at(1));
    await a!.sendMetrics('pbp', 1, [byProto({ 6: { packets: 100, bytes: 9000 }, 17: { packets: 4, bytes: 200 } })], at(2));
    await a!.sendMetrics('pbp', 1, [byProto({ 6: { packets: 5, bytes: 500 }, 17: { packets: 4, bytes: 200 } })], at(3));
    await b!.sendMetrics('pbp', 1, [byProto({ 6: { packets: 7, bytes: 700 } })], at(1));
    await b!.sendMetrics('pbp', 1, [byProto({ 6: { packets: 9, bytes: 900 } })], at(2));
    // A per-CPU struct value: one element per CPU.
    await b!.sendMetrics('pcpu', 1, [{ map: 'stats', kind: 'gauge', entries: [entry(0, [{ packets: 2 }, { packets: 3 }])] }], at(1));
    // Histograms as one array value (cumulative), per agent; and per-CPU slot arrays.
    await a!.sendMetrics('lat', 1, [arrayHistogram({ 3: 10, 4: 10 })], at(0));
    await a!.sendMetrics('lat', 1, [arrayHistogram({ 3: 30, 4: 10, 10: 2 })], at(5));
    await b!.sendMetrics('lat', 1, [arrayHistogram({ 12: 4 })], at(5));
    await b!.sendMetrics('lat', 1, [{ map: 'percpu_hist', kind: 'gauge', entries: [entry(0, [slots({ 1: 1, 2: 2 }), slots({ 2: 3 })])] }], at(5));
    const ingest = t.app.get(MetricIngestService);
    await eventually(async () => (ingest.stats.batches === 11 ? true : undefined));
  });
  afterAll(async () => {
    await fleet?.close();
    await t?.close();
  });

  describe('field', () => {
    it('should total a struct field from the latest snapshot per agent and key', async () => {
      expect((await query('program=pbp&map=by_proto&agg=topk&field=packets&groupBy=key')).top).toEqual([
        { group: '6', value: 5 + 9 },
        { group: '17', value: 4 },
      ]);
      expect((await query('program=pbp&map=by_proto&agg=topk&field=bytes&groupBy=agent,key&k=2')).top).toEqual([
        { group: 'host-1/6', value: 900 },
        { group: 'host-0/6', value: 500 },
      ]);
    });

    it('should read a field as a gauge per step (max, avg) and sum per-CPU values', async () => {
      expect((await query('program=pbp&map=by_proto&agg=max&step=600&field=packets&groupBy=label:zone')).series).toEqual([
        { group: 'east', points: [[at(0).toISOString(), 100]] },
        { group: 'west', points: [[at(0).toISOString(), 9]] },
      ]);
      expect((await query('program=pcpu&map=stats&agg=max&step=600&field=packets')).series).toEqual([{ group: 'all', points: [[at(0).toISOString(), 5]] }]);
    });

    it('should give nothing for a field the value does not have', async () => {
      expect((await query('program=pbp&map=by_proto&agg=sum&field=drops')).series).toEqual([]);
    });
  });

  describe('as=counter', () => {
    it('should turn running totals into increases (a restart counts from zero)', async () => {
      // host-0 tcp: +30, +60, then restarted at 5; host-1 tcp: +2 (its first snapshot is only a baseline).
      expect((await query('program=pbp&map=by_proto&agg=sum&step=60&field=packets&as=counter&groupBy=key')).series).toEqual([
        { group: '17', points: [[at(1).toISOString(), 2], [at(2).toISOString(), 1], [at(3).toISOString(), 0]] },
        { group: '6', points: [[at(1).toISOString(), 30], [at(2).toISOString(), 62], [at(3).toISOString(), 5]] },
      ]);
      expect((await query('program=pbp&map=by_proto&agg=rate&step=600&field=packets&as=counter&agent=host-0')).series).toEqual([
        { group: 'all', points: [[at(0).toISOString(), (30 + 60 + 5 + 2 + 1 + 0) / 600]] },
      ]);
      expect((await query('program=pbp&map=by_proto&agg=topk&field=bytes&as=counter&groupBy=agent')).top).toEqual([
        { group: 'host-0', value: 3000 + 5000 + 500 + 100 + 50 },
        { group: 'host-1', value: 200 },
      ]);
    });

    it('should take the snapshot just before the range as the baseline', async () => {
      const r = await t.request('GET', `/api/v1/metrics/query?program=pbp&map=by_proto&agg=sum&step=60&field=packets&as=counter&agent=host-0&from=${at(2).toISOString()}&to=${at(3).toISOString()}`);
      expect((r.body as { series: Series }).series).toEqual([{ group: 'all', points: [[at(2).toISOString(), 60 + 1]] }]);
    });
  });

  describe('histogram', () => {
    it('should merge histograms kept as one array value (latest snapshot per agent)', async () => {
      const r = await query('program=lat&map=latency_ns&agg=histogram');
      expect(r.buckets!.map((b) => [b.slot, b.count])).toEqual([[3, 30], [4, 10], [10, 2], [12, 4]]);
      expect(r.percentiles!.total).toBe(46);
    });

    it('should count only what happened in the range with as=counter', async () => {
      const r = await query('program=lat&map=latency_ns&agg=histogram&as=counter');
      expect(r.buckets!.map((b) => [b.slot, b.count])).toEqual([[3, 20], [10, 2]]);
    });

    it('should sum per-CPU slot arrays', async () => {
      expect((await query('program=lat&map=percpu_hist&agg=histogram')).buckets!.map((b) => [b.slot, b.count])).toEqual([[1, 1], [2, 5]]);
    });

    it('should round percentiles to three significant digits', async () => {
      const p = (await query('program=lat&map=latency_ns&agg=histogram')).percentiles!;
      for (const v of [p.p50, p.p90, p.p99]) expect(Number(v!.toPrecision(3))).toBe(v);
      expect(p.p99).toBeGreaterThanOrEqual(4096);
      expect(p.p99).toBeLessThan(8192);
    });
  });

  it.each([
    ['program=pbp&map=by_proto&agg=sum&field=a..b', /field must be a dot path/],
    ['program=pbp&map=by_proto&agg=sum&as=gauge', /as must be one of counter/],
    ['program=pbp&map=by_proto&agg=sum&groupBy=agent,key,key,agent', /groupBy must be up to three/],
    ['program=lat&map=latency_ns&agg=histogram&groupBy=agent', /groupBy does not apply/],
  ])('should refuse %s', async (qs, message) => {
    const r = await t.request('GET', `/api/v1/metrics/query?${qs}`);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(message);
  });
});
