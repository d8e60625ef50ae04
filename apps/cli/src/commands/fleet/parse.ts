import { UsageError } from '../../errors.js';

/** NAME@VERSION -> {name, version}. */
export function parseProgramRef(ref: string): { name: string; version: number } {
  const match = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,127})@([1-9][0-9]{0,9})$/.exec(ref);
  if (!match) throw new UsageError(`expected NAME@VERSION, got ${JSON.stringify(ref)}`);
  return { name: match[1]!, version: Number(match[2]) };
}

/** Repeated or comma-separated k=v pairs -> a label map. */
export function parseSelector(values: readonly string[]): Record<string, string> {
  const selector: Record<string, string> = {};
  for (const value of values.flatMap((v) => v.split(','))) {
    if (value === '') continue;
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`selector must be key=value, got ${JSON.stringify(value)}`);
    selector[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return selector;
}

/** "10%" or "10" -> 10 (1..100). */
export function parsePercent(value: string): number {
  const match = /^([0-9]{1,3})%?$/.exec(value);
  const n = match ? Number(match[1]) : NaN;
  if (!(n >= 1 && n <= 100)) throw new UsageError(`--canary must be a percentage 1..100, got ${JSON.stringify(value)}`);
  return n;
}

export function parsePositiveInt(value: string, flag: string, max: number): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= max)) throw new UsageError(`${flag} must be an integer 1..${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** "30s", "5m", "1h", "45" (seconds) -> seconds. */
export function parseDurationSeconds(value: string, flag: string): number {
  const match = /^([0-9]+)(ms|s|m|h)?$/.exec(value);
  if (!match) throw new UsageError(`${flag} must be a duration like 30s, 5m or 1h, got ${JSON.stringify(value)}`);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  const seconds = unit === 'ms' ? Math.ceil(n / 1000) : unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n;
  if (seconds > 86_400) throw new UsageError(`${flag} must be at most 24h`);
  return seconds;
}
