import { BadRequestException, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MetricQueryDto, MetricQueryResultDto } from '../dtos/metric-query.dto.js';
import { bucketsFromCounts, quantile } from './histogram.js';

/**
 * Queries over metric samples. Counter samples are deltas, so `sum` per step is the increase in that
 * step and `rate` is that per second; `max`/`avg` read gauge values; `topk` ranks groups by their sum
 * over the range; `histogram` merges log2 histograms (latest snapshot per agent in range) and derives
 * percentiles.
 */
@Injectable()
export class MetricQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async query(q: MetricQueryDto): Promise<MetricQueryResultDto> {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 3600_000);
    const step = q.step ?? 60;
    if (from >= to) throw new BadRequestException('from must be before to');
    if ((to.getTime() - from.getTime()) / 1000 / step > 11_000) throw new BadRequestException('too many points: widen the step (at most 11000 per series)');

    const params: unknown[] = [q.program, q.map, from, to];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const where = ['s.program = $1', 's.map = $2', 's.ts >= $3', 's.ts < $4'];
    let joinAgents = false;
    if (q.agent) where.push(`s.agent_id = ${param(q.agent)}`);
    if (q.label) {
      const [name, value] = q.label.split('=', 2) as [string, string];
      joinAgents = true;
      where.push(`a.labels ->> ${param(name)} = ${param(value)}`);
    }
    if (q.key) {
      const [field, value] = q.key.split('=', 2) as [string, string];
      where.push(`s.key ->> ${param(field)} = ${param(value)}`);
    }
    let group = `'all'`;
    if (q.groupBy === 'agent') group = 's.agent_id';
    else if (q.groupBy === 'key') group = 's.key::text';
    else if (q.groupBy?.startsWith('key:')) group = `coalesce(s.key ->> ${param(q.groupBy.slice(4))}, '')`;
    else if (q.groupBy?.startsWith('label:')) {
      joinAgents = true;
      group = `coalesce(a.labels ->> ${param(q.groupBy.slice(6))}, '')`;
    }
    const fromClause = `metric_samples s${joinAgents ? ' JOIN agents a ON a.id = s.agent_id' : ''}`;
    const base = { agg: q.agg, from: from.toISOString(), to: to.toISOString(), step };

    if (q.agg === 'histogram') {
      // Counter maps carry deltas (summed over the range); whole-value maps count as their latest snapshot per agent.
      const rows = await this.dataSource.query<{ slot: string; count: string }[]>(
        `SELECT slot, sum(v) AS count FROM (
           SELECT s.key #>> '{}' AS slot, sum(s.value) AS v
           FROM ${fromClause} WHERE ${where.join(' AND ')} AND s.kind = 'counter' AND s.value IS NOT NULL GROUP BY 1
           UNION ALL
           SELECT slot, v FROM (
             SELECT DISTINCT ON (s.agent_id, s.key_hex) s.key #>> '{}' AS slot, s.value AS v
             FROM ${fromClause} WHERE ${where.join(' AND ')} AND s.kind <> 'counter' AND s.value IS NOT NULL
             ORDER BY s.agent_id, s.key_hex, s.ts DESC, s.seq DESC) latest
         ) merged GROUP BY slot`,
        params,
      );
      const counts = new Map<number, number>();
      for (const r of rows) {
        const slot = Number(r.slot);
        if (Number.isInteger(slot) && slot >= 0 && slot < 128) counts.set(slot, (counts.get(slot) ?? 0) + Number(r.count));
      }
      const buckets = bucketsFromCounts(counts);
      return { ...base, buckets, percentiles: { total: buckets.reduce((s, b) => s + b.count, 0), p50: quantile(buckets, 0.5), p90: quantile(buckets, 0.9), p99: quantile(buckets, 0.99) } };
    }

    if (q.agg === 'topk') {
      const rows = await this.dataSource.query<{ grp: string; v: number }[]>(
        `SELECT ${group} AS grp, sum(s.value) AS v FROM ${fromClause} WHERE ${where.join(' AND ')} GROUP BY 1 ORDER BY 2 DESC NULLS LAST LIMIT ${param(q.k ?? 10)}`,
        params,
      );
      return { ...base, top: rows.map((r) => ({ group: r.grp, value: Number(r.v) })) };
    }

    const fn = { sum: 'sum', rate: 'sum', max: 'max', avg: 'avg' }[q.agg];
    const stepParam = param(step);
    const rows = await this.dataSource.query<{ bucket: Date; grp: string; v: number | null }[]>(
      `SELECT to_timestamp(floor(extract(epoch FROM s.ts) / ${stepParam}) * ${stepParam}) AS bucket, ${group} AS grp, ${fn}(s.value) AS v
       FROM ${fromClause} WHERE ${where.join(' AND ')} GROUP BY 1, 2 ORDER BY 2, 1`,
      params,
    );
    const series = new Map<string, [string, number][]>();
    for (const r of rows) {
      if (r.v === null) continue;
      const value = q.agg === 'rate' ? Number(r.v) / step : Number(r.v);
      const points = series.get(r.grp) ?? [];
      points.push([new Date(r.bucket).toISOString(), value]);
      series.set(r.grp, points);
    }
    return { ...base, series: [...series.entries()].map(([group, points]) => ({ group, points })) };
  }
}
