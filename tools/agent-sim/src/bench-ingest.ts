import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { PROTOCOL_VERSION, encodeMessage, fleetNames, metricsMessageId, type MapEntry } from '@bpfleet/protocol';
import pg from 'pg';

/**
 * Benchmark: map entries per second from JetStream into Postgres through the controller's ingest.
 * Publishes BATCHES metric batches of ENTRIES entries (from AGENTS agent ids), then waits until the
 * controller committed them all (metric_batches rows). Env: NATS_URL, NATS_PREFIX, DATABASE_URL.
 */
async function main(): Promise<void> {
  const batches = Number(process.env['BATCHES'] ?? 1000);
  const entries = Number(process.env['ENTRIES'] ?? 500);
  const agents = Number(process.env['AGENTS'] ?? 50);
  const names = fleetNames(process.env['NATS_PREFIX'] ?? 'bpfleet');
  const nc = await connect({ servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222' });
  const js = jetstream(nc);
  const db = new pg.Client({ connectionString: process.env['DATABASE_URL'] });
  await db.connect();
  const run = Date.now().toString(36);
  const collectedAt = new Date().toISOString();
  const mapEntries: MapEntry[] = Array.from({ length: entries }, (_, i) => ({ key: { cpu: i % 64, slot: i }, value: i + 1, keyHex: i.toString(16).padStart(8, '0'), valueHex: (i + 1).toString(16).padStart(16, '0') }));
  const payloads = Array.from({ length: batches }, (_, b) => {
    const agentId = `ing-${run}-${b % agents}`;
    const seq = Math.floor(b / agents) + 1;
    const data = encodeMessage('metrics', { v: PROTOCOL_VERSION, kind: 'metrics', agentId, sentAt: collectedAt, seq, program: 'bench', version: 1, collectedAt, maps: [{ map: 'events', kind: 'counter', entries: mapEntries }], events: [] });
    return { subject: names.metrics(agentId), data, msgID: metricsMessageId(agentId, seq) };
  });
  const t0 = performance.now();
  const inflight: Promise<unknown>[] = [];
  for (const p of payloads) {
    inflight.push(js.publish(p.subject, p.data, { msgID: p.msgID }));
    if (inflight.length >= 256) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
  const publishedMs = performance.now() - t0;
  for (;;) {
    const r = await db.query<{ n: string }>(`SELECT count(*) AS n FROM metric_batches WHERE agent_id LIKE $1`, [`ing-${run}-%`]);
    if (Number(r.rows[0]!.n) >= batches) break;
    if (performance.now() - t0 > 300_000) throw new Error('ingest did not finish in 5 minutes');
    await new Promise((res) => setTimeout(res, 50));
  }
  const totalMs = performance.now() - t0;
  const stored = await db.query<{ n: string }>(`SELECT count(*) AS n FROM metric_samples WHERE agent_id LIKE $1`, [`ing-${run}-%`]);
  await db.end();
  await nc.close();
  const result = { benchmark: 'ingest', batches, entriesPerBatch: entries, entries: batches * entries, stored: Number(stored.rows[0]!.n), publishedMs: Math.round(publishedMs), endToEndMs: Math.round(totalMs), entriesPerSecond: Math.round((batches * entries) / (totalMs / 1000)), target: 100_000 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (result.stored !== batches * entries) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
