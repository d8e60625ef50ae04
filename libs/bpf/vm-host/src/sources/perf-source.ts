import { BpfProgType, type BpfProgramSpec } from '@bpfleet/elf';
import { onlineCpus } from '@bpfleet/kernel';
import { cpus as osCpus } from 'node:os';
import { deferred, type SourceStats, type VmEvent, type VmEventSource } from './source.js';
import { TaskTable } from './task-table.js';

/** Size of `bpf_user_pt_regs_t`: x86-64 `struct pt_regs` (21 u64), arm64 `user_pt_regs` (34 u64). */
export const PERF_REGS_SIZE = process.arch === 'arm64' ? 272 : 168;
/** `struct bpf_perf_event_data { bpf_user_pt_regs_t regs; __u64 sample_period; __u64 addr; }`. */
export const PERF_EVENT_DATA_SIZE = PERF_REGS_SIZE + 16;

export interface PerfSamplingOptions {
  /** Samples per second per CPU (default 99, like `perf record -F 99`). */
  readonly frequency?: number;
  /** CPUs to sample (default: every online CPU). */
  readonly cpus?: readonly number[];
  /** Where running tasks come from (default: /proc, refreshed every 250 ms). */
  readonly tasks?: TaskTable;
}

/** A `bpf_perf_event_data` for a cpu-clock sample: registers unknown (zero), the period in ns. */
export function perfEventContext(periodNs: bigint): Uint8Array {
  const ctx = new Uint8Array(PERF_EVENT_DATA_SIZE);
  new DataView(ctx.buffer).setBigUint64(PERF_REGS_SIZE, periodNs, true);
  return ctx;
}

function defaultCpus(): number[] {
  try {
    return onlineCpus();
  } catch {
    return osCpus().map((_, i) => i);
  }
}

/**
 * Periodic sampling for perf_event programs, like a software cpu-clock event at a frequency on every
 * CPU: each tick, one sample per CPU, attributed to a process /proc shows running on that CPU (or the
 * idle task). The context is `struct bpf_perf_event_data` with sample_period = 1e9 / frequency ns and
 * zero registers (another process's registers cannot be read without ptrace).
 */
export class PerfSamplingSource implements VmEventSource {
  readonly description: string;
  readonly frequency: number;
  private readonly cpus: readonly number[];
  private readonly tasks: TaskTable;
  private readonly finished = deferred();
  private timer: NodeJS.Timeout | undefined;
  private events = 0;

  constructor(options: PerfSamplingOptions = {}) {
    this.frequency = options.frequency ?? 99;
    if (!Number.isFinite(this.frequency) || this.frequency <= 0 || this.frequency > 10_000) throw new RangeError(`sampling frequency ${this.frequency} must be 1..10000 Hz`);
    this.cpus = options.cpus ?? defaultCpus();
    this.tasks = options.tasks ?? new TaskTable();
    this.description = `perf sampling ${this.frequency} Hz on ${this.cpus.length} CPUs`;
  }

  get done(): Promise<void> {
    return this.finished.promise;
  }

  feeds(spec: BpfProgramSpec): boolean {
    return spec.type === BpfProgType.PERF_EVENT;
  }

  /** One round of samples, one per CPU (what each timer tick does). */
  sampleOnce(sink: (event: VmEvent) => void): void {
    const period = BigInt(Math.round(1e9 / this.frequency));
    for (const cpu of this.cpus) {
      this.events++;
      sink({ kind: 'perf_sample', ctx: perfEventContext(period), cpu, task: this.tasks.sample(cpu) });
    }
  }

  async start(sink: (event: VmEvent) => void): Promise<void> {
    this.timer = setInterval(() => this.sampleOnce(sink), 1000 / this.frequency);
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.finished.resolve();
    await Promise.resolve();
  }

  stats(): SourceStats {
    return { events: this.events, skipped: {} };
  }
}
