import { formatHistogram, formatValue } from './trace-format.js';
import { parseDuration } from './trace-duration.js';
import { UsageError } from '../errors.js';

describe('trace formatting', () => {
  it('should draw log2 slots like bpftrace hist()', () => {
    const rows = formatHistogram([
      { key: 9, value: 10 },
      { key: 11, value: 20 },
      { key: 0, value: 0 },
    ]);
    expect(rows).toEqual([
      `[512, 1K)${' '.repeat(11)}      10 |${'@'.repeat(26).padEnd(52)}|`,
      `[1K, 2K)${' '.repeat(12)}       0 |${' '.repeat(52)}|`,
      `[2K, 4K)${' '.repeat(12)}      20 |${'@'.repeat(52)}|`,
    ]);
    expect(formatHistogram([])).toEqual(['  (empty)']);
  });

  it('should print decoded values on one line', () => {
    expect(formatValue({ pid: 1, comm: 'node', v: [1, 2] })).toBe('{ pid: 1, comm: "node", v: [1, 2] }');
  });

  it('should parse durations and refuse nonsense', () => {
    expect(parseDuration('30s', '--duration')).toBe(30_000);
    expect(parseDuration('250ms', '--interval')).toBe(250);
    expect(parseDuration('2m', '--duration')).toBe(120_000);
    expect(parseDuration('5', '--duration')).toBe(5000);
    expect(() => parseDuration('0s', '--duration')).toThrow(UsageError);
    expect(() => parseDuration('soon', '--duration')).toThrow(UsageError);
  });
});
