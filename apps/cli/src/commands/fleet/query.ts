import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliIo } from '../../io.js';
import type { QueryResultView } from './api-types.js';
import { histogram, table } from './format.js';
import { clientFor, fleetCommand, printJson, type FleetOptions } from './common.js';
import { parseDurationSeconds } from './parse.js';

const AGGS = ['sum', 'rate', 'max', 'avg', 'topk', 'histogram'] as const;

interface QueryOptions extends FleetOptions {
  map: string;
  agg: string;
  since?: string;
  from?: string;
  to?: string;
  step?: string;
  groupBy?: string;
  agent?: string;
  label?: string;
  key?: string;
  field?: string;
  as?: string;
  k?: string;
}

/** The text view of a query result: top-k table, histogram bars with percentiles, or the last point per series. */
export function renderQuery(result: QueryResultView): string {
  if (result.buckets) {
    const p = result.percentiles;
    const summary = p ? `total ${formatValue(p.total)}  p50 ${formatPercentile(p.p50)}  p90 ${formatPercentile(p.p90)}  p99 ${formatPercentile(p.p99)}` : '';
    return [histogram(result.buckets), summary].filter(Boolean).join('\n');
  }
  if (result.top) return table(['GROUP', 'VALUE'], result.top.map((t) => [t.group, formatValue(t.value)]));
  const series = result.series ?? [];
  if (series.length === 0) return '(no data)';
  return table(['GROUP', 'POINTS', 'LAST', 'LAST AT'], series.map((s) => {
    const last = s.points[s.points.length - 1];
    return [s.group, String(s.points.length), last ? formatValue(last[1]) : '-', last ? last[0] : '-'];
  }));
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

/**
 * A percentile estimated inside a log2 bucket: three significant digits (the controller rounds too;
 * this keeps older controllers' answers readable), digit groups for large values: 12,300.
 */
export function formatPercentile(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  const rounded = Number(v.toPrecision(3));
  return rounded.toLocaleString('en-US', { maximumFractionDigits: 6 });
}

export function registerQuery(program: Command, io: CliIo): void {
  fleetCommand(program, io, 'query <program>', "query a program's map data across the fleet")
    .requiredOption('--map <name>', 'map name')
    .option('--agg <agg>', `aggregation: ${AGGS.join(', ')}`, 'sum')
    .option('--since <duration>', 'time range ending now, e.g. 15m (default: the server default)')
    .option('--from <iso>', 'range start (ISO 8601)')
    .option('--to <iso>', 'range end (ISO 8601)')
    .option('--step <duration>', 'bucket width')
    .option('--group-by <g>', 'up to three of agent, key, key:<field>, label:<name>, comma separated')
    .option('--agent <id>', 'only this agent')
    .option('--label <k=v>', 'only agents with this label')
    .option('--key <field=value>', 'only entries whose decoded key field matches')
    .option('--field <path>', 'aggregate this field of struct values (e.g. packets)')
    .option('--as <mode>', 'counter: values are running totals sent whole, use their increases')
    .option('-k <n>', 'top-k size')
    .action(async (name: string, options: QueryOptions) => {
      if (!(AGGS as readonly string[]).includes(options.agg)) throw new UsageError(`--agg must be one of ${AGGS.join(', ')}`);
      if (options.since !== undefined && options.from !== undefined) throw new UsageError('use either --since or --from');
      const params = new URLSearchParams({ program: name, map: options.map, agg: options.agg });
      if (options.since !== undefined) params.set('from', new Date(Date.now() - parseDurationSeconds(options.since, '--since') * 1000).toISOString());
      if (options.from !== undefined) params.set('from', options.from);
      if (options.to !== undefined) params.set('to', options.to);
      if (options.step !== undefined) params.set('step', String(Math.max(1, parseDurationSeconds(options.step, '--step'))));
      for (const [param, value] of [['groupBy', options.groupBy], ['agent', options.agent], ['label', options.label], ['key', options.key], ['field', options.field], ['as', options.as], ['k', options.k]] as const) {
        if (value !== undefined) params.set(param, value);
      }
      const result = await (await clientFor(options)).get<QueryResultView>(`/api/v1/metrics/query?${params}`);
      if (options.json) return printJson(io, result);
      io.out(renderQuery(result));
    });
}
