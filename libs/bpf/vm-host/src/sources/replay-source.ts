import type { BpfProgramSpec } from '@bpfleet/elf';
import { Pacer, type ReplaySpeed } from './pacer.js';
import { FileWindow } from './byte-window.js';
import { readRecordingWindow, type RecordingHeader } from './recording.js';
import { rawTracepointTarget, tracepointTarget } from './route.js';
import { deferred, SkipCounter, type SourceStats, type VmEvent, type VmEventSource } from './source.js';

export interface ReplaySourceOptions {
  /** `max` (default): as fast as programs run; N: N times the recorded speed (1 = as recorded). */
  readonly speed?: ReplaySpeed;
}

/**
 * Replays a recording made by `bpfleet record` on a kernel host: each record runs the tracepoint or
 * raw_tp programs attached to its attach point, on the recorded context bytes, with the helpers'
 * current task (pid/tgid, uid/gid, comm), ktime and CPU taken from the record. Pointers in the data
 * (raw_tp arguments, the pt_regs pointer at the start of syscall records) point into the recording
 * host's kernel: bpf_probe_read* on them returns -EFAULT.
 */
export class ReplaySource implements VmEventSource {
  readonly description: string;
  private readonly finished = deferred();
  private readonly skipped = new SkipCounter();
  private events = 0;
  private pacer: Pacer | undefined;
  header: RecordingHeader | undefined;
  /** The error that ended the replay early, if any. */
  error: Error | undefined;

  constructor(
    readonly file: string,
    private readonly options: ReplaySourceOptions = {},
  ) {
    this.description = `replay ${file}`;
  }

  get done(): Promise<void> {
    return this.finished.promise;
  }

  readonly finite = true;

  /** Reads the header (which attach points it has) before feeds() is asked. */
  async prepare(): Promise<void> {
    if (this.header) return;
    const w = new FileWindow(this.file);
    try {
      this.header = readRecordingWindow(w).header;
    } finally {
      w.close();
    }
    await Promise.resolve();
  }

  feeds(spec: BpfProgramSpec): boolean {
    const sources = this.header?.sources ?? [];
    const tp = tracepointTarget(spec);
    const raw = rawTracepointTarget(spec);
    return sources.some((s) => (s.kind === 'tracepoint' ? s.name === tp : s.name === raw));
  }

  async start(sink: (event: VmEvent) => void): Promise<void> {
    // Read window by window: a long recording replays in bounded memory.
    const w = new FileWindow(this.file);
    let parsed: ReturnType<typeof readRecordingWindow>;
    try {
      parsed = readRecordingWindow(w);
    } catch (e) {
      w.close();
      throw e;
    }
    const { header, records } = parsed;
    this.header = header;
    this.pacer = new Pacer(this.options.speed ?? 'max');
    void this.pacer
      .run(records, (r) => r.ktimeNs, (r) => {
        const source = header.sources[r.source]!;
        this.events++;
        sink({ kind: source.kind, target: source.name, ctx: r.data, cpu: r.cpu, task: { pidTgid: r.pidTgid, uidGid: r.uidGid, comm: r.comm, ktimeNs: r.ktimeNs } });
      })
      .catch((e: unknown) => {
        this.error = e as Error;
        this.skipped.add((e as Error).message);
      })
      .finally(() => {
        w.close();
        this.finished.resolve();
      });
  }

  async stop(): Promise<void> {
    this.pacer?.stop();
    this.finished.resolve();
    await Promise.resolve();
  }

  stats(): SourceStats {
    return { events: this.events, skipped: { ...this.skipped.counts } };
  }
}
