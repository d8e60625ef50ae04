import type { MetricBatch } from '@bpfleet/protocol';

/**
 * COPY rows in PostgreSQL's binary COPY format from validated metric batches. The numeric `value`
 * column is what aggregations use: numbers as they are, decimal strings (64-bit counters) parsed,
 * booleans 0/1, per-CPU scalars (an array of them) summed; anything else (structs, nested arrays)
 * null. The whole value is always kept in `value_json`.
 *
 * Hot path of ingest: a batch becomes one buffer right after decoding, so the decoded objects die
 * young and only compact off-heap bytes wait for the database. Binary rather than text: Postgres then
 * takes times, integers and doubles as they are instead of parsing them from text for every row, and
 * nothing needs escaping (each field carries its length).
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

export const SAMPLE_COLUMNS = ['ts', 'agent_id', 'program', 'version', 'map', 'kind', 'key', 'key_hex', 'value', 'value_json', 'seq'] as const;
export const EVENT_COLUMNS = ['ts', 'agent_id', 'program', 'version', 'map', 'data', 'hex', 'seq'] as const;

/** Binary COPY stream header (signature, flags 0, no header extension) and trailer (field count -1). */
export const COPY_BINARY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
export const COPY_BINARY_TRAILER = Buffer.from([0xff, 0xff]);

/** One batch as binary COPY tuples (no header or trailer): sample rows, event rows and their counts. */
export interface BatchRows {
  readonly samples: Buffer;
  readonly sampleCount: number;
  readonly events: Buffer;
  readonly eventCount: number;
}

/** Milliseconds from the Unix epoch to PostgreSQL's epoch (2000-01-01T00:00:00Z). */
const PG_EPOCH_MS = 946_684_800_000;
const JSONB_VERSION = 1;

/**
 * Appends binary COPY fields to one growing buffer. Strings are written straight into it (no
 * intermediate Buffer per field); the buffer doubles when a field might not fit.
 */
class TupleWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64, capacity));
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  fieldCount(n: number): void {
    this.reserve(2);
    this.pos = this.buf.writeInt16BE(n, this.pos);
  }

  /** Small pieces (a row's shared prefix, an int8) are copied byte by byte: cheaper than a native call. */
  bytes(b: Buffer): void {
    this.reserve(b.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    this.pos = p;
  }

  text(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.reserve(4 + 3 * s.length);
    const n = this.utf8(s, this.pos + 4);
    this.buf.writeInt32BE(n, this.pos);
    this.pos += 4 + n;
  }

  jsonb(json: string): void {
    this.reserve(5 + 3 * json.length);
    const n = this.utf8(json, this.pos + 5);
    this.buf.writeInt32BE(n + 1, this.pos);
    this.buf[this.pos + 4] = JSONB_VERSION;
    this.pos += 5 + n;
  }

  /**
   * Write `s` as UTF-8 at `at`, returning its length in bytes. Field values are short and nearly
   * always ASCII (hex, JSON of numbers and names): a plain loop beats a native call per field.
   */
  private utf8(s: string, at: number): number {
    const buf = this.buf;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return this.buf.write(s, at, 'utf8');
      buf[at + i] = c;
    }
    return s.length;
  }

  float8(v: number | null): void {
    this.reserve(12);
    if (v === null) {
      this.pos = this.buf.writeInt32BE(-1, this.pos);
      return;
    }
    this.pos = this.buf.writeInt32BE(8, this.pos);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  int4(v: number): void {
    this.reserve(8);
    this.pos = this.buf.writeInt32BE(4, this.pos);
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }

  /** int8 or timestamptz (microseconds): a safe integer split into 32-bit halves, no BigInt per row. */
  int8(v: number): void {
    this.reserve(12);
    this.pos = this.buf.writeInt32BE(8, this.pos);
    const hi = Math.floor(v / 0x1_0000_0000);
    this.pos = this.buf.writeInt32BE(hi, this.pos);
    this.pos = this.buf.writeUInt32BE(v - hi * 0x1_0000_0000, this.pos);
  }

  /** The bytes written so far (a view, not a copy). */
  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export function batchRows(batch: MetricBatch): BatchRows {
  const ts = isoMicros(batch.collectedAt);
  // The int8 `seq` field ends every row of the batch: encoded once.
  const seqWriter = new TupleWriter(12);
  seqWriter.int8(batch.seq);
  const seq = seqWriter.done();

  let sampleCount = 0;
  let estimate = 0;
  // ≈ 135 bytes per entry for a small key and a scalar value: sized so that most batches never grow.
  for (const snapshot of batch.maps) estimate += snapshot.entries.length * 160;
  const samples = new TupleWriter(estimate);
  for (const snapshot of batch.maps) {
    // The first six fields are the same for every entry of a snapshot: encoded once.
    const head = new TupleWriter(128);
    head.fieldCount(SAMPLE_COLUMNS.length);
    head.int8(ts);
    head.text(batch.agentId);
    head.text(batch.program);
    head.int4(batch.version);
    head.text(snapshot.map);
    head.text(snapshot.kind);
    const prefix = head.done();
    for (const entry of snapshot.entries) {
      const value = entry.value;
      samples.bytes(prefix);
      samples.jsonb(JSON.stringify(entry.key));
      samples.text(entry.keyHex);
      if (typeof value === 'number') {
        const finite = Number.isFinite(value);
        samples.float8(finite ? value : null);
        samples.jsonb(finite ? String(value) : 'null');
      } else {
        samples.float8(numericValue(value));
        samples.jsonb(JSON.stringify(value));
      }
      samples.bytes(seq);
      sampleCount++;
    }
  }

  const events = new TupleWriter(batch.events.length * 160);
  for (const e of batch.events) {
    events.fieldCount(EVENT_COLUMNS.length);
    events.int8(eventMicros(e.ts));
    events.text(batch.agentId);
    events.text(batch.program);
    events.int4(batch.version);
    events.text(e.map);
    events.jsonb(JSON.stringify(e.data));
    events.text(e.hex);
    events.bytes(seq);
  }
  return { samples: samples.done(), sampleCount, events: events.done(), eventCount: batch.events.length };
}

/**
 * An ISO date-time (validated by the protocol, any offset, any number of fraction digits) as
 * microseconds since the PostgreSQL epoch, rounded to the microsecond as Postgres does (ties to even).
 */
export function isoMicros(iso: string): number {
  const ms = Date.parse(iso);
  // Date.parse truncates the fraction to milliseconds: add back what it dropped.
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const wholeSecondsMs = ms - Number(fraction.slice(0, 3).padEnd(3, '0'));
  return (wholeSecondsMs - PG_EPOCH_MS) * 1000 + roundHalfEven(Number(`0.${fraction || '0'}`) * 1e6);
}

/** C's rint() (ties to even), which Postgres applies to the fraction of a second in microseconds. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Ring-buffer event time: nanoseconds since the epoch (decimal), kept to the millisecond. */
function eventMillis(ns: string): number {
  return Number(BigInt(ns) / 1_000_000n);
}

function eventMicros(ns: string): number {
  return (eventMillis(ns) - PG_EPOCH_MS) * 1000;
}

/** UTC days (YYYY-MM-DD) a batch touches: the partitions that must exist before COPY. */
export function daysOf(batch: MetricBatch): string[] {
  const days = new Set<string>([new Date(batch.collectedAt).toISOString().slice(0, 10)]);
  for (const e of batch.events) days.add(new Date(eventMillis(e.ts)).toISOString().slice(0, 10));
  return [...days];
}
