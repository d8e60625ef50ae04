import pg from 'pg';
import { ControllerClient } from './api.js';

/**
 * Benchmark: query latency (p50/p95) over SAMPLES metric samples (default 10M) spread over one day,
 * AGENTS agents and 64 keys, inserted server-side. Env: CONTROLLER_URL, TOKEN, DATABASE_URL.
 */
async function main(): Promise<void> {
  const samples = Number(process.env['SAMPLES'] ?? 10_000_000);
  const agents = Number(process.env['AGENTS'] ?? 500);
  const runs = Number(process.env['RUNS'] ?? 20);
  const api = new ControllerClient(process.env['CONTROLLER_URL'] ?? 'http://127.0.0.1:8080', process.env['TOKEN'] ?? '');
  const db = new pg.Client({ connectionString: process.env['DATABASE_URL'] });
  await db.connect();
  const day = '2026-01-15';
  await db.query(`SELECT ensure_day_partition('metric_samples', $1::date)`, [day]);
  const t0 = performance.now();
  await db.query(
    `INSERT INTO metric_samples (ts, agent_id, program, version, map, kind, key, key_hex, value, value_json, seq)
     SELECT $1::timestamptz + ((i * 86399.0 / $2) || ' seconds')::interval, 'q-' || (i % $3), 'qbench', 1, 'pkts', 'counter',
            jsonb_build_object('proto', i % 64), lpad(to_hex(i % 64), 8, '0'), (i % 100)::float8, to_jsonb(i % 100), i / $3
     FROM generate_series(0, $2 - 1) AS i`,
    [`${day}T00:00:00Z`, samples, agents],
  );
  await db.query('ANALYZE metric_samples');
  const insertMs = performance.now() - t0;
  const range = `program=qbench&map=pkts&from=${day}T00:00:00Z&to=${day}T23:59:59Z`;
  const queries: Record<string, string> = {
    'sum step=1h': `${range}&agg=sum&step=3600`,
    'rate by agent step=1h': `${range}&agg=rate&step=3600&groupBy=agent`,
    'top-10 keys': `${range}&agg=topk&groupBy=key:proto&k=10`,
    'sum 1h window step=60': `program=qbench&map=pkts&from=${day}T12:00:00Z&to=${day}T13:00:00Z&agg=sum&step=60`,
  };
  const results: Record<string, { p50: number; p95: number }> = {};
  for (const [name, qs] of Object.entries(queries)) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await api.call('GET', `/api/v1/metrics/query?${qs}`);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    results[name] = { p50: Math.round(times[Math.floor(runs * 0.5)]!), p95: Math.round(times[Math.min(runs - 1, Math.floor(runs * 0.95))]!) };
  }
  await db.end();
  process.stdout.write(`${JSON.stringify({ benchmark: 'query', samples, insertMs: Math.round(insertMs), latencyMs: results })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
