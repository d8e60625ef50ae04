import { PROTOCOL_VERSION, type MetricBatch } from '@bpfleet/protocol';
import { batchRows, daysOf, EVENT_COLUMNS, isoMicros, SAMPLE_COLUMNS } from './metric-rows.js';

const batch = (over: Partial<MetricBatch> = {}): MetricBatch => ({
  v: PROTOCOL_VERSION, kind: 'metrics', agentId: 'h1', sentAt: '2026-01-02T00:00:00Z', seq: 7, program: 'p', version: 2, collectedAt: '2026-01-02T03:04:05.000Z', maps: [], events: [], ...over,
});

type Field = Buffer | null;

/** Split binary COPY tuples (no header or trailer) back into their fields. */
function tuples(buf: Buffer): Field[][] {
  const rows: Field[][] = [];
  let pos = 0;
  while (pos < buf.length) {
    const n = buf.readInt16BE(pos);
    pos += 2;
    const row: Field[] = [];
    for (let i = 0; i < n; i++) {
      const len = buf.readInt32BE(pos);
      pos += 4;
      if (len < 0) row.push(null);
      else {
        row.push(buf.subarray(pos, pos + len));
        pos += len;
      }
    }
    rows.push(row);
  }
  return rows;
}

const text = (f: Field): string | null => (f === null ? null : f.toString('utf8'));
const jsonb = (f: Field): string | null => (f === null ? null : (expect(f[0]).toBe(1), f.subarray(1).toString('utf8')));
const float8 = (f: Field): number | null => (f === null ? null : f.readDoubleBE(0));
const int8 = (f: Field): bigint | null => (f === null ? null : f.readBigInt64BE(0));
/** A timestamptz field (microseconds since 2000-01-01) as ISO text to the millisecond. */
const time = (f: Field): string => new Date(Number(int8(f)! / 1000n) + 946_684_800_000).toISOString();

describe('batchRows', () => {
  it('should write one binary COPY tuple per entry with the numeric value and the JSON value', () => {
    const rows = batchRows(batch({
      maps: [{ map: 'm', kind: 'counter', entries: [
        { key: { comm: 'a\tb\\c é' }, value: 5, keyHex: '01', valueHex: '05' },
        { key: 1, value: '18446744073709551615', keyHex: '02', valueHex: 'ff' },
        { key: 2, value: { packets: 1 }, keyHex: '03', valueHex: '01' },
        { key: 3, value: [1, '2', 3], keyHex: '04', valueHex: '01' },
        { key: 4, value: [[1], [2]], keyHex: '05', valueHex: '01' },
      ] }],
    }));
    expect(rows.sampleCount).toBe(5);
    const decoded = tuples(rows.samples).map((r) => {
      expect(r).toHaveLength(SAMPLE_COLUMNS.length);
      return [time(r[0]!), text(r[1]!), text(r[2]!), r[3]!.readInt32BE(0), text(r[4]!), text(r[5]!), jsonb(r[6]!), text(r[7]!), float8(r[8]!), jsonb(r[9]!), int8(r[10]!)];
    });
    const head = ['2026-01-02T03:04:05.000Z', 'h1', 'p', 2, 'm', 'counter'];
    expect(decoded).toEqual([
      [...head, '{"comm":"a\\tb\\\\c é"}', '01', 5, '5', 7n],
      [...head, '1', '02', 18446744073709552000, '"18446744073709551615"', 7n],
      [...head, '2', '03', null, '{"packets":1}', 7n],
      [...head, '3', '04', 6, '[1,"2",3]', 7n],
      [...head, '4', '05', null, '[[1],[2]]', 7n],
    ]);
  });

  it('should write ring-buffer events with their time from nanoseconds', () => {
    const rows = batchRows(batch({ events: [{ map: 'rb', ts: '1767236645123456789', data: { pid: 1 }, hex: '01' }] }));
    expect(rows.eventCount).toBe(1);
    expect(rows.samples.length).toBe(0);
    const [row] = tuples(rows.events);
    expect(row).toHaveLength(EVENT_COLUMNS.length);
    expect([time(row![0]!), text(row![1]!), text(row![2]!), row![3]!.readInt32BE(0), text(row![4]!), jsonb(row![5]!), text(row![6]!), int8(row![7]!)])
      .toEqual(['2026-01-01T03:04:05.123Z', 'h1', 'p', 2, 'rb', '{"pid":1}', '01', 7n]);
  });

  it('should keep microseconds and offsets of the collection time as Postgres reads them', () => {
    expect(isoMicros('2000-01-01T00:00:00Z')).toBe(0);
    expect(isoMicros('2000-01-01T00:00:01.5Z')).toBe(1_500_000);
    expect(isoMicros('2000-01-01T03:00:00.123456+03:00')).toBe(123_456);
    // Values Postgres gives for the same text ('...'::timestamptz - '2000-01-01Z', in microseconds).
    expect(isoMicros('2000-01-01T00:00:00.0000005Z')).toBe(0);
    expect(isoMicros('2000-01-01T00:00:00.0000015Z')).toBe(2);
    expect(isoMicros('1999-12-31T23:59:59.9999995Z')).toBe(0);
    expect(isoMicros('1999-12-31T23:59:59.999999Z')).toBe(-1);
    // Seconds since the PostgreSQL epoch well past 2^32 microseconds: split into 32-bit halves.
    const far = tuples(batchRows(batch({ collectedAt: '2262-04-11T23:47:16.854775Z', maps: [{ map: 'm', kind: 'counter', entries: [{ key: 1, value: 1, keyHex: '01', valueHex: '01' }] }] })).samples)[0]![0]!;
    expect(int8(far)).toBe(8_276_687_236_854_775n);
  });

  it('should list the UTC days a batch touches', () => {
    expect(daysOf(batch({ collectedAt: '2026-01-02T01:00:00+03:00', events: [{ map: 'rb', ts: '1767236645123456789', data: null, hex: '' }] }))).toEqual(['2026-01-01']);
  });
});
