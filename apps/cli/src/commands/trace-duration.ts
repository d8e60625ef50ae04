import { UsageError } from '../errors.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `30s`, `500ms`, `2m`, `1h` (a bare number means seconds) into milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: expected a duration like 30s, 500ms or 2m, got '${text}'`);
  const ms = Number(m[1]) * UNITS[m[2] ?? 's']!;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 365 * 24 * 3_600_000) throw new UsageError(`${flag}: out of range: '${text}'`);
  return ms;
}
