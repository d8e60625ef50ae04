import { DataSource } from 'typeorm';
import { startTestController, type TestController } from '../testing/harness.js';
import { MetricMaintenanceService } from './metric-maintenance.service.js';

describe('MetricMaintenanceService (integration)', () => {
  let t: TestController;
  let db: DataSource;
  beforeAll(async () => {
    // The scheduled jobs would run retention against the real clock and race the assertions below.
    t = await startTestController({ RETENTION_DAYS: '7', MAINTENANCE_JOBS: 'false' });
    db = t.app.get(DataSource);
    for (const day of ['2026-11-01', '2026-11-24']) {
      await db.query(`SELECT ensure_day_partition('metric_samples', $1::date)`, [day]);
      await db.query(
        `INSERT INTO metric_samples (ts, agent_id, program, version, map, kind, key, key_hex, value, value_json, seq)
         SELECT $1::timestamptz + (i || ' seconds')::interval, 'a1', 'p', 1, 'm', 'counter', '0', '00', i, to_jsonb(i), i FROM generate_series(1, 120) i`,
        [`${day}T10:00:00Z`],
      );
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should roll samples up per minute and per hour, idempotently', async () => {
    const m = t.app.get(MetricMaintenanceService);
    const from = new Date('2026-11-24T00:00:00Z');
    const to = new Date('2026-11-25T00:00:00Z');
    expect(await m.rollup('1m', from, to)).toBe(3);
    expect(await m.rollup('1m', from, to)).toBe(3);
    expect(await m.rollup('1h', from, to)).toBe(1);
    const hour = await db.query<{ sum: number; max: number; count: string }[]>(`SELECT sum, max, count FROM metric_rollups WHERE resolution = '1h'`);
    expect(hour).toEqual([{ sum: (120 * 121) / 2, max: 120, count: '120' }]);
  });

  it('should recompute whole buckets when the window starts inside one', async () => {
    const m = t.app.get(MetricMaintenanceService);
    // The scheduled jobs use windows like "the last 3 hours" that start mid-bucket.
    await m.rollup('1h', new Date('2026-11-24T10:01:30Z'), new Date('2026-11-24T12:00:00Z'));
    await m.rollup('1m', new Date('2026-11-24T10:01:30Z'), new Date('2026-11-24T12:00:00Z'));
    const rows = await db.query<{ resolution: string; bucket: Date; sum: number }[]>(`SELECT resolution, bucket, sum FROM metric_rollups WHERE bucket >= '2026-11-24T10:01:00Z' AND bucket < '2026-11-24T10:02:00Z' OR resolution = '1h' ORDER BY 1`);
    expect(rows.map((r) => [r.resolution, r.sum])).toEqual([
      ['1h', (120 * 121) / 2],
      // 10:01:00-10:01:59 holds the samples i = 60..119.
      ['1m', ((60 + 119) * 60) / 2],
    ]);
  });

  it('should drop whole day partitions older than the retention', async () => {
    const m = t.app.get(MetricMaintenanceService);
    expect(await m.retention(new Date('2026-11-25T12:00:00Z'))).toEqual(['metric_samples_20261101']);
    const left = await db.query<{ n: string }[]>(`SELECT count(*) AS n FROM metric_samples`);
    expect(left[0]!.n).toBe('120');
  });
});
