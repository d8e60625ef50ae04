import { bucketsFromCounts, quantile, roundPercentile } from './histogram.js';

describe('log2 histogram', () => {
  it('should build sorted buckets with power-of-two bounds', () => {
    const b = bucketsFromCounts(new Map([[3, 5], [0, 1], [1, 0]]));
    expect(b).toEqual([
      { slot: 0, lower: 0, upper: 2, count: 1 },
      { slot: 3, lower: 8, upper: 16, count: 5 },
    ]);
  });

  it('should interpolate quantiles inside the bucket', () => {
    const b = bucketsFromCounts(new Map([[1, 50], [2, 50]]));
    expect(quantile(b, 0.5)).toBe(4);
    expect(quantile(b, 0.25)).toBe(3);
    expect(quantile(b, 0.99)).toBeCloseTo(7.92);
    expect(quantile([], 0.5)).toBeNull();
  });
});

describe('roundPercentile', () => {
  it.each([
    [12_345.678, 12_300],
    [7.9234, 7.92],
    [0.012345, 0.0123],
    [999.6, 1000],
    [4, 4],
    [0, 0],
    [null, null],
  ])('should round %p to %p', (value, expected) => {
    expect(roundPercentile(value)).toBe(expected);
  });
});
