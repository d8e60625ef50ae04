/** `max`: as fast as the programs run; a number N: N times the recorded speed (1 = as recorded). */
export type ReplaySpeed = 'max' | number;

/** `max`, or a positive number (`2`, `0.5`, `2x`); undefined when the text is neither. */
export function parseReplaySpeed(text: string): ReplaySpeed | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'max' || t === 'fast') return 'max';
  const m = /^(\d+(?:\.\d+)?)x?$/.exec(t);
  const n = m ? Number(m[1]) : NaN;
  return Number.isFinite(n) && n > 0 && n <= 1e6 ? n : undefined;
}

/**
 * Replays timestamped items: at `speed` times the pace their timestamps say, or as fast as possible
 * in batches that give the event loop a turn in between (so timers, snapshots and I/O go on).
 */
export class Pacer {
  private stopped = false;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly speed: ReplaySpeed,
    private readonly batch = 1024,
  ) {}

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = ms > 0 ? setTimeout(resolve, ms) : undefined;
      if (ms <= 0) setImmediate(resolve);
    });
  }

  /** Calls `each` for every item in order, at its time; resolves at the end or when stopped. */
  async run<T>(items: Iterable<T>, time: (item: T) => bigint, each: (item: T) => void): Promise<void> {
    const startedMs = performance.now();
    let first: bigint | undefined;
    let sinceYield = 0;
    for (const item of items) {
      if (this.stopped) return;
      if (this.speed !== 'max') {
        const ts = time(item);
        first ??= ts;
        // Timestamps that go backwards (merged captures) replay at once.
        const dueMs = startedMs + Number(ts - first) / 1e6 / this.speed;
        const waitMs = dueMs - performance.now();
        if (waitMs >= 1) {
          await this.pause(waitMs);
          sinceYield = 0;
          if (this.stopped) return;
        }
      }
      if (++sinceYield >= this.batch) {
        await this.pause(0);
        sinceYield = 0;
        if (this.stopped) return;
      }
      each(item);
    }
  }
}
