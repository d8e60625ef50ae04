import type { MetricBatch } from '@bpfleet/protocol';

/**
 * COPY rows (text format) from validated metric batches. The numeric `value` column is what
 * aggregations use: numbers as they are, decimal strings (64-bit counters) parsed, booleans 0/1,
 * per-CPU scalars (an array of them) summed; anything else (structs, nested arrays) null. The whole
 * value is always kept in `value_json`.
 *
 * Hot path of ingest: a batch becomes one UTF-8 buffer right after decoding, so the decoded objects
 * die young and only compact off-heap bytes wait for the database (holding 100k+ small objects per
 * fetch cost more in garbage collection than building the rows). Lines are joined once: growing one
 * string with `+=` builds a rope of thousands of pieces, 4x slower here.
 */
export function numericValue(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Array.isArray(value)) return perCpuSum(value);
  return null;
}

/** A per-CPU scalar (one number per CPU) counts as the sum over its CPUs; any other array has no number. */
function perCpuSum(values: readonly unknown[]): number | null {
  let sum = 0;
  for (const v of values) {
    if (Array.isArray(v) || typeof v === 'object') return null;
    const n = numericValue(v);
    if (n === null) return null;
    sum += n;
  }
  return values.length > 0 ? sum : null;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** Escape one field for COPY ... FROM STDIN (text format). Most fields need no escaping: test first. */
export function copyField(value: string | number | null): string {
  if (value === null) return '\\N';
  const text = String(value);
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export const SAMPLE_COLUMNS = ['ts', 'agent_id', 'program', 'version', 'map', 'kind', 'key', 'key_hex', 'value', 'value_json', 'seq'] as const;
export const EVENT_COLUMNS = ['ts', 'agent_id', 'program', 'version', 'map', 'data', 'hex', 'seq'] as const;

/** One batch as COPY text (UTF-8): sample rows, event rows (each line ends in a newline) and their counts. */
export interface BatchRows {
  readonly samples: Buffer;
  readonly sampleCount: number;
  readonly events: Buffer;
  readonly eventCount: number;
}

export function batchRows(batch: MetricBatch): BatchRows {
  const seq = `\t${batch.seq}\n`;
  const head = `${copyField(batch.collectedAt)}\t${copyField(batch.agentId)}\t${copyField(batch.program)}\t${batch.version}\t`;
  const samples: string[] = [];
  for (const snapshot of batch.maps) {
    // The first six columns are the same for every entry of a snapshot: escape them once.
    const prefix = `${head}${copyField(snapshot.map)}\t${snapshot.kind}\t`;
    for (const entry of snapshot.entries) {
      const value = entry.value;
      let numeric: string;
      let json: string;
      if (typeof value === 'number' && Number.isFinite(value)) {
        numeric = json = String(value);
      } else {
        numeric = copyField(numericValue(value));
        json = copyField(typeof value === 'number' ? 'null' : JSON.stringify(value));
      }
      // keyHex is validated lowercase hex: never needs escaping.
      samples.push(`${prefix}${copyField(JSON.stringify(entry.key))}\t${entry.keyHex}\t${numeric}\t${json}${seq}`);
    }
  }
  const events: string[] = [];
  const eventHead = `\t${copyField(batch.agentId)}\t${copyField(batch.program)}\t${batch.version}\t`;
  for (const e of batch.events) {
    events.push(`${eventTime(e.ts)}${eventHead}${copyField(e.map)}\t${copyField(JSON.stringify(e.data))}\t${e.hex}${seq}`);
  }
  return { samples: Buffer.from(samples.join('')), sampleCount: samples.length, events: Buffer.from(events.join('')), eventCount: events.length };
}

/** Ring-buffer event time: nanoseconds since the epoch (decimal) to ISO; Postgres keeps microseconds. */
function eventTime(ns: string): string {
  return new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
}

/** UTC days (YYYY-MM-DD) a batch touches: the partitions that must exist before COPY. */
export function daysOf(batch: MetricBatch): string[] {
  const days = new Set<string>([new Date(batch.collectedAt).toISOString().slice(0, 10)]);
  for (const e of batch.events) days.add(eventTime(e.ts).slice(0, 10));
  return [...days];
}
