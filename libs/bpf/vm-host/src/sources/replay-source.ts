import type { BpfProgramSpec } from '@bpfleet/elf';
import { FileWindow } from './byte-window.js';
import { FileReplaySource } from './file-replay.js';
import type { ReplaySpeed } from './pacer.js';
import { readRecordingWindow, type RecordedEvent, type RecordingHeader } from './recording.js';
import { rawTracepointTarget, tracepointTarget } from './route.js';
import type { VmEvent } from './source.js';

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
export class ReplaySource extends FileReplaySource<RecordedEvent> {
  header: RecordingHeader | undefined;

  constructor(file: string, options: ReplaySourceOptions = {}) {
    super(file, `replay ${file}`, options.speed ?? 'max');
  }

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

  protected open(window: FileWindow): Iterator<RecordedEvent> {
    const { header, records } = readRecordingWindow(window);
    this.header = header;
    return records[Symbol.iterator]();
  }

  protected timestampNs(r: RecordedEvent): bigint {
    return r.ktimeNs;
  }

  protected deliver(r: RecordedEvent, sink: (event: VmEvent) => void): void {
    const source = this.header!.sources[r.source]!;
    this.events++;
    sink({ kind: source.kind, target: source.name, ctx: r.data, cpu: r.cpu, task: { pidTgid: r.pidTgid, uidGid: r.uidGid, comm: r.comm, ktimeNs: r.ktimeNs } });
  }
}
