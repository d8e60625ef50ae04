import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';

/** Rollups (per minute and per hour) and retention (dropping whole day partitions). */
@Injectable()
export class MetricMaintenanceService {
  constructor(
    @Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Recompute rollups of `resolution` for buckets in [from, to): idempotent, safe to rerun. `from` is
   * moved back to the start of its bucket: a bucket recomputed from part of its samples would
   * overwrite its complete rollup with a partial one.
   */
  async rollup(resolution: '1m' | '1h', from: Date, to: Date): Promise<number> {
    const unit = resolution === '1m' ? 'minute' : 'hour';
    const unitMs = resolution === '1m' ? 60_000 : 3_600_000;
    from = new Date(Math.floor(from.getTime() / unitMs) * unitMs);
    const rows = await this.dataSource.query<unknown[]>(
      `INSERT INTO metric_rollups (bucket, resolution, agent_id, program, map, kind, key_hex, key, sum, max, min, count)
       SELECT date_trunc('${unit}', ts), $3, agent_id, program, map, kind, key_hex, (array_agg(key))[1], coalesce(sum(value), 0), max(value), min(value), count(*)
       FROM metric_samples WHERE ts >= $1 AND ts < $2
       GROUP BY date_trunc('${unit}', ts), agent_id, program, map, kind, key_hex
       ON CONFLICT (resolution, program, map, bucket, agent_id, key_hex)
       DO UPDATE SET sum = EXCLUDED.sum, max = EXCLUDED.max, min = EXCLUDED.min, count = EXCLUDED.count
       RETURNING 1`,
      [from, to, resolution],
    );
    return rows.length;
  }

  /** Drop sample/event partitions wholly older than RETENTION_DAYS, and old batch ids. */
  async retention(now = new Date()): Promise<string[]> {
    const cutoff = new Date(now.getTime() - this.config.RETENTION_DAYS * 86_400_000);
    const cutoffDay = cutoff.toISOString().slice(0, 10).replace(/-/g, '');
    const partitions = await this.dataSource.query<{ name: string }[]>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent IN ('metric_samples'::regclass, 'metric_events'::regclass)`,
    );
    const dropped: string[] = [];
    for (const { name } of partitions) {
      const day = /_(\d{8})$/.exec(name)?.[1];
      if (day !== undefined && day < cutoffDay) {
        await this.dataSource.query(`DROP TABLE IF EXISTS "${name}"`);
        dropped.push(name);
      }
    }
    await this.dataSource.query(`DELETE FROM metric_rollups WHERE resolution = '1m' AND bucket < $1`, [cutoff]);
    // Batch ids only guard against redelivery, which JetStream bounds by the stream's max age.
    await this.dataSource.query(`DELETE FROM metric_batches WHERE received_at < $1`, [cutoff]);
    return dropped;
  }
}
