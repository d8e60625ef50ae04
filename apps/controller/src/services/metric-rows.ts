import type { MetricBatch } from '@bpfleet/protocol';

/**
 * Rows for Postgres COPY (text format) from validated metric batches. The numeric `value` column is
 * what aggregations use: numbers as they are, decimal strings (64-bit counters) parsed, booleans 0/1,
 * anything else (structs) null with the whole value kept in `value_json`.
 */
export function numericValue(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
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

export function sampleLines(batch: MetricBatch): string[] {
  const lines: string[] = [];
  const seq = copyField(batch.seq);
  for (const snapshot of batch.maps) {
    // The first six columns are the same for every entry of a snapshot: escape them once.
    const prefix = `${[batch.collectedAt, batch.agentId, batch.program, batch.version, snapshot.map, snapshot.kind].map(copyField).join('\t')}\t`;
    for (const entry of snapshot.entries) {
      const value = entry.value;
      const valueJson = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : 'null') : JSON.stringify(value);
      lines.push(`${prefix}${copyField(JSON.stringify(entry.key))}\t${copyField(entry.keyHex)}\t${copyField(numericValue(value))}\t${copyField(valueJson)}\t${seq}`);
    }
  }
  return lines;
}

export function eventLines(batch: MetricBatch): string[] {
  return batch.events.map((e) => {
    // ts is nanoseconds since the epoch; Postgres keeps microseconds.
    const ms = Number(BigInt(e.ts) / 1_000_000n);
    return [new Date(ms).toISOString(), batch.agentId, batch.program, batch.version, e.map, JSON.stringify(e.data), e.hex, batch.seq].map(copyField).join('\t');
  });
}

/** UTC days (YYYY-MM-DD) a set of batches touches: the partitions that must exist before COPY. */
export function daysOf(batches: readonly MetricBatch[]): string[] {
  const days = new Set<string>();
  for (const b of batches) {
    days.add(b.collectedAt.slice(0, 10));
    for (const e of b.events) days.add(new Date(Number(BigInt(e.ts) / 1_000_000n)).toISOString().slice(0, 10));
  }
  return [...days];
}
