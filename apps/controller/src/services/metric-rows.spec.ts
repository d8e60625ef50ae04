import { PROTOCOL_VERSION, type MetricBatch } from '@bpfleet/protocol';
import { batchRows, daysOf } from './metric-rows.js';

const batch = (over: Partial<MetricBatch> = {}): MetricBatch => ({
  v: PROTOCOL_VERSION, kind: 'metrics', agentId: 'h1', sentAt: '2026-01-02T00:00:00Z', seq: 7, program: 'p', version: 2, collectedAt: '2026-01-02T03:04:05.000Z', maps: [], events: [], ...over,
});

describe('batchRows', () => {
  it('should write one COPY line per entry with the numeric value and the JSON value', () => {
    const rows = batchRows(batch({
      maps: [{ map: 'm', kind: 'counter', entries: [
        { key: { comm: 'a\tb\\c' }, value: 5, keyHex: '01', valueHex: '05' },
        { key: 1, value: '18446744073709551615', keyHex: '02', valueHex: 'ff' },
        { key: 2, value: { packets: 1 }, keyHex: '03', valueHex: '01' },
        { key: 3, value: [1, '2', 3], keyHex: '04', valueHex: '01' },
        { key: 4, value: [[1], [2]], keyHex: '05', valueHex: '01' },
      ] }],
    }));
    expect(rows.sampleCount).toBe(5);
    expect(rows.samples.toString().split('\n')).toEqual([
      '2026-01-02T03:04:05.000Z\th1\tp\t2\tm\tcounter\t{"comm":"a\\\\tb\\\\\\\\c"}\t01\t5\t5\t7',
      '2026-01-02T03:04:05.000Z\th1\tp\t2\tm\tcounter\t1\t02\t18446744073709552000\t"18446744073709551615"\t7',
      '2026-01-02T03:04:05.000Z\th1\tp\t2\tm\tcounter\t2\t03\t\\N\t{"packets":1}\t7',
      '2026-01-02T03:04:05.000Z\th1\tp\t2\tm\tcounter\t3\t04\t6\t[1,"2",3]\t7',
      '2026-01-02T03:04:05.000Z\th1\tp\t2\tm\tcounter\t4\t05\t\\N\t[[1],[2]]\t7',
      '',
    ]);
  });

  it('should write ring-buffer events with their time from nanoseconds', () => {
    const rows = batchRows(batch({ events: [{ map: 'rb', ts: '1767236645123456789', data: { pid: 1 }, hex: '01' }] }));
    expect(rows.eventCount).toBe(1);
    expect(rows.samples.length).toBe(0);
    expect(rows.events.toString()).toBe('2026-01-01T03:04:05.123Z\th1\tp\t2\trb\t{"pid":1}\t01\t7\n');
  });

  it('should list the UTC days a batch touches', () => {
    expect(daysOf(batch({ collectedAt: '2026-01-02T01:00:00+03:00', events: [{ map: 'rb', ts: '1767236645123456789', data: null, hex: '' }] }))).toEqual(['2026-01-01']);
  });
});
