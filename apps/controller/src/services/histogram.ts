/** log2 histograms: slot i counts values in [2^i, 2^(i+1)) (slot 0 also holds 0), as in bcc/libbpf tools. */
export interface Log2Bucket {
  readonly slot: number;
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
}

export function bucketsFromCounts(counts: ReadonlyMap<number, number>): Log2Bucket[] {
  return [...counts.entries()]
    .filter(([, c]) => c > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([slot, count]) => ({ slot, lower: slot === 0 ? 0 : 2 ** slot, upper: 2 ** (slot + 1), count }));
}

/** The q-quantile (0..1), interpolated linearly inside the bucket it falls in; null when empty. */
export function quantile(buckets: readonly Log2Bucket[], q: number): number | null {
  const total = buckets.reduce((s, b) => s + b.count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const b of buckets) {
    if (seen + b.count >= rank) return b.lower + ((rank - seen) / b.count) * (b.upper - b.lower);
    seen += b.count;
  }
  return buckets[buckets.length - 1]!.upper;
}

/**
 * A percentile for display: three significant digits. Inside a log2 bucket the estimate is a linear
 * interpolation, so any further digit is noise (p50 12,345.678 ns is reported as 12,300).
 */
export function roundPercentile(value: number | null): number | null {
  if (value === null || !Number.isFinite(value) || value === 0) return value;
  const magnitude = 10 ** (Math.floor(Math.log10(Math.abs(value))) - 2);
  const rounded = Math.round(value / magnitude) * magnitude;
  // Undo floating-point residue (0.1 * 3 = 0.30000000000000004) for magnitudes below 1.
  return magnitude < 1 ? Number(rounded.toPrecision(3)) : rounded;
}
