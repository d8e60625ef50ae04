/**
 * CPU time of VM runs, estimated by timing a random sample of them: a clock read costs about as much
 * as a small program's run (~100 ns on a VM's kvm-clock), so timing every event would double its
 * cost. Each run after the first is timed with probability 1/`every`, chosen independently, and a
 * timed run counts `every` times (a Horvitz–Thompson estimate), so the total is unbiased whatever
 * the pattern of events; the first run is always timed and counts once, so a program that ran
 * reports a time above 0. Gaps between timed runs are drawn from the geometric distribution, so the
 * per-run cost of an untimed run is one decrement.
 */
export class SampledRunTimer {
  /** Estimated nanoseconds of all runs so far. */
  totalNs = 0;
  /** Runs until the next timed one (1: the next run is timed). */
  private untilSample = 1;
  private weight = 1;
  private readonly logMiss: number;

  /**
   * `every`: 1 times every run; the mean gap between timed runs otherwise. `random` (uniform in
   * [0, 1)) and `clock` (milliseconds) are replaceable for tests.
   */
  constructor(
    readonly every: number,
    private readonly random: () => number = Math.random,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(every) || every < 1) throw new RangeError(`every must be a positive integer, got ${every}`);
    this.logMiss = Math.log1p(-1 / every);
  }

  /** Call before a run: a start time (ms, `performance.now()`) when this run is timed, else -1. */
  start(): number {
    if (--this.untilSample > 0) return -1;
    return this.clock();
  }

  /** Call after a run (also when it threw) with what `start` returned. */
  stop(started: number): void {
    if (started < 0) return;
    this.totalNs += (this.clock() - started) * 1e6 * this.weight;
    this.weight = this.every;
    this.untilSample = this.nextGap();
  }

  /** Runs until the next timed one: geometric with mean `every` (each run timed with probability 1/every). */
  private nextGap(): number {
    if (this.every === 1) return 1;
    // 1 - random() is in (0, 1], so the log is finite.
    return 1 + Math.floor(Math.log(1 - this.random()) / this.logMiss);
  }
}
