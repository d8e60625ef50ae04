import { SampledRunTimer } from './run-timer.js';

/** A deterministic uniform [0, 1) source (LCG), so the sampled estimates are reproducible. */
function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** `n` runs of `costNs(i)` each on a fake clock: the timer's estimate, the true total and the clock reads. */
function simulate(every: number, seed: number, n: number, costNs: (i: number) => number): { estimate: number; truth: number; clockReads: number } {
  let now = 1000;
  let clockReads = 0;
  const timer = new SampledRunTimer(every, seeded(seed), () => {
    clockReads++;
    return now;
  });
  let truth = 0;
  for (let i = 0; i < n; i++) {
    const started = timer.start();
    now += costNs(i) / 1e6;
    truth += costNs(i);
    timer.stop(started);
  }
  return { estimate: timer.totalNs, truth, clockReads };
}

describe(SampledRunTimer.name, () => {
  it('should time every run exactly when every is 1', () => {
    const { estimate, truth, clockReads } = simulate(1, 1, 1000, (i) => 100 + (i % 7));
    expect(estimate).toBeCloseTo(truth, 3);
    expect(clockReads).toBe(2000);
  });

  it('should always time the first run, so one run reports a time above 0', () => {
    const { estimate } = simulate(16, 1, 1, () => 250);
    expect(estimate).toBeCloseTo(250, 3);
  });

  it('should estimate the total without bias from about one run in `every`', () => {
    const n = 200_000;
    for (const seed of [1, 2, 3]) {
      const { estimate, truth, clockReads } = simulate(16, seed, n, () => 300);
      expect(Math.abs(estimate / truth - 1)).toBeLessThan(0.03);
      // About 2 reads per 16 runs.
      expect(clockReads / n).toBeGreaterThan(0.1);
      expect(clockReads / n).toBeLessThan(0.15);
    }
  });

  it('should not alias with a periodic pattern of cheap and expensive runs', () => {
    // Every 16th run is expensive: a fixed stride of 16 would see all or none of them.
    const cost = (i: number): number => (i % 16 === 0 ? 10_000 : 100);
    for (const seed of [4, 5]) {
      const { estimate, truth } = simulate(16, seed, 200_000, cost);
      expect(Math.abs(estimate / truth - 1)).toBeLessThan(0.05);
    }
  });

  it('should refuse a sampling rate that is not a positive integer', () => {
    expect(() => new SampledRunTimer(0)).toThrow(RangeError);
    expect(() => new SampledRunTimer(2.5)).toThrow(RangeError);
  });
});
