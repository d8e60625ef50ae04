/** Plain-text rendering helpers for the fleet commands (tables, bars, histograms). */

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function bar(fraction: number, width: number): string {
  const clamped = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const cells = Math.round(clamped * width);
  return '█'.repeat(cells) + '·'.repeat(width - cells);
}

/** A human size for a power of two (bucket bounds): 1024 -> 1K. */
export function shortNumber(n: number): string {
  const units: [number, string][] = [
    [2 ** 40, 'T'],
    [2 ** 30, 'G'],
    [2 ** 20, 'M'],
    [2 ** 10, 'K'],
  ];
  for (const [size, unit] of units) if (n >= size && n % size === 0) return `${n / size}${unit}`;
  return String(n);
}

/** A log2 histogram like bpftrace's: one row per non-empty bucket range, bar scaled to the largest. */
export function histogram(buckets: readonly { lower: number; upper: number; count: number }[], width = 40): string {
  const nonEmpty = buckets.filter((b) => b.count > 0);
  if (nonEmpty.length === 0) return '(no samples)';
  const first = buckets.indexOf(nonEmpty[0]!);
  const last = buckets.indexOf(nonEmpty[nonEmpty.length - 1]!);
  const shown = buckets.slice(first, last + 1);
  const max = Math.max(...shown.map((b) => b.count));
  const labels = shown.map((b) => `[${shortNumber(b.lower)}, ${shortNumber(b.upper)})`);
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const countWidth = Math.max(...shown.map((b) => String(b.count).length));
  return shown.map((b, i) => `${labels[i]!.padEnd(labelWidth)} ${String(b.count).padStart(countWidth)} |${bar(b.count / max, width)}|`).join('\n');
}

export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h`;
}

export function labels(record: Record<string, string>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}
