import pg from 'pg';
import { ControllerClient } from './api.js';

/**
 * Benchmark: query latency (p50/p95) over SAMPLES metric samples (default 10M) spread over one day
 * (yesterday, UTC) and AGENTS agents, inserted server-side with generate_series: 90 % counter deltas of
 * map `pkts` keyed by {proto} (64 keys), 10 % log2-histogram slot counts of map `lat` (key = slot).
 * Typical dashboard queries through the API: a 1 h window at 1 min steps (sum, rate per agent), top-k
 * keys, a merged histogram, and a whole day at 1 h steps. Env: CONTROLLER_URL, TOKEN, DATABASE_URL.
 */
async function main(): Promise<void> {
  const samples = Number(process.env['SAMPLES'] ?? 10_000_000);
  const agents = Number(process.env['AGENTS'] ?? 500);
  const runs = Number(process.env['RUNS'] ?? 20);
  const api = new ControllerClient(process.env['CONTROLLER_URL'] ?? 'http://127.0.0.1:8080', process.env['TOKEN'] ?? '');
  const db = new pg.Client({ connectionString: process.env['DATABASE_URL'] });
  await db.connect();
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await db.query(`SELECT ensure_day_partition('metric_samples', $1::date)`, [day]);
  const t0 = performance.now();
  // In slices of 1M rows: one huge INSERT holds its snapshot (and memory) for minutes.
  const slice = 1_000_000;
  for (let start = 0; start < samples; start += slice) {
    await db.query(
      `INSERT INTO metric_samples (ts, agent_id, program, version, map, kind, key, key_hex, value, value_json, seq)
       SELECT $1::timestamptz + make_interval(secs => i * 86399.0 / $2), 'q-' || (i % $3), 'qbench', 1,
              CASE WHEN i % 10 = 0 THEN 'lat' ELSE 'pkts' END, 'counter',
              CASE WHEN i % 10 = 0 THEN to_jsonb((i / 10) % 24 + 4) ELSE jsonb_build_object('proto', i % 64) END,
              lpad(to_hex(CASE WHEN i % 10 = 0 THEN (i / 10) % 24 + 4 ELSE i % 64 END), 8, '0'),
              (i % 100)::float8, to_jsonb(i % 100), i / $3
       FROM generate_series($4::bigint, $5::bigint) AS i`,
      [`${day}T00:00:00Z`, samples, agents, start, Math.min(samples, start + slice) - 1],
    );
  }
  await db.query('ANALYZE metric_samples');
  const insertMs = performance.now() - t0;
  const hour = `from=${day}T12:00:00Z&to=${day}T13:00:00Z`;
  const queries: Record<string, string> = {
    'sum 1h step=1m': `program=qbench&map=pkts&${hour}&agg=sum&step=60`,
    'rate by agent 1h step=1m': `program=qbench&map=pkts&${hour}&agg=rate&step=60&groupBy=agent`,
    'top-10 keys 1h': `program=qbench&map=pkts&${hour}&agg=topk&groupBy=key:proto&k=10`,
    'top-10 agents 1h': `program=qbench&map=pkts&${hour}&agg=topk&groupBy=agent&k=10`,
    'histogram merge 1h': `program=qbench&map=lat&${hour}&agg=histogram`,
    'sum day step=1h': `program=qbench&map=pkts&from=${day}T00:00:00Z&to=${day}T23:59:59Z&agg=sum&step=3600`,
  };
  const results: Record<string, { p50: number; p95: number; rows: number }> = {};
  for (const [name, qs] of Object.entries(queries)) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const body = (await api.call('GET', `/api/v1/metrics/query?${qs}`)) as { series?: { points: unknown[] }[]; top?: unknown[]; buckets?: unknown[] };
      times.push(performance.now() - t);
      rows = body.series?.reduce((n, s) => n + s.points.length, 0) ?? body.top?.length ?? body.buckets?.length ?? 0;
    }
    if (rows === 0) throw new Error(`query "${name}" returned no data`);
    times.sort((a, b) => a - b);
    results[name] = { p50: Math.round(times[Math.floor(runs * 0.5)]!), p95: Math.round(times[Math.min(runs - 1, Math.floor(runs * 0.95))]!), rows };
  }
  const load = (await import('node:os')).loadavg().map((l) => Number(l.toFixed(2)));
  await db.end();
  process.stdout.write(`${JSON.stringify({ benchmark: 'query', samples, agents, insertMs: Math.round(insertMs), runs, latencyMs: results, loadAverage: load, at: new Date().toISOString() })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
