import { hostname, release } from 'node:os';
import { basename } from 'node:path';
import { BpfProgType, type BpfObject } from '@bpfleet/elf';
import { KernelCapture, TRACEFS, ensureMounted, type CapturePoint } from '@bpfleet/kernel';
import { autoloadPrograms } from '../contents.js';
import { RecordingWriter, type RecordingSourceInfo } from './recording.js';
import { rawTracepointTarget, tracepointTarget } from './route.js';

/** The tracepoints and raw tracepoints an object's programs (or one of them) attach to, each once. */
export function capturePoints(object: BpfObject, program?: string): CapturePoint[] {
  const specs = program ? object.programs.filter((p) => p.name === program) : autoloadPrograms(object);
  const points = new Map<string, CapturePoint>();
  for (const spec of specs) {
    const tp = tracepointTarget(spec);
    if (tp) points.set(`tp:${tp}`, { kind: 'tracepoint', name: tp });
    const raw = rawTracepointTarget(spec);
    if (raw && spec.type === BpfProgType.RAW_TRACEPOINT) points.set(`raw:${raw}`, { kind: 'raw_tracepoint', name: raw });
  }
  return [...points.values()];
}

export interface RecordOptions {
  readonly out: string;
  readonly durationMs: number;
  readonly signal?: AbortSignal;
  /** The object's file name, kept in the header. */
  readonly objectName?: string;
}

export interface RecordSummary {
  readonly sources: readonly RecordingSourceInfo[];
  /** Records written per source. */
  readonly counts: readonly number[];
  /** Records the kernel could not hand over because the ring buffer was full (all sources). */
  readonly lost: bigint;
  readonly durationMs: number;
}

/**
 * Records what the given attach points see on this kernel for a while: nothing of the user's program
 * is loaded, only one generated capture program per attach point (KernelCapture), whose records are
 * written to `out` as they arrive.
 */
export async function recordAttachPoints(points: readonly CapturePoint[], options: RecordOptions): Promise<RecordSummary> {
  ensureMounted(TRACEFS, 'tracefs', true);
  let writer: RecordingWriter | undefined;
  const pending: Parameters<RecordingWriter['write']>[0][] = [];
  let failure: unknown;
  const capture = KernelCapture.start(points, {
    onRecord: (r) => {
      const e = { source: r.source, cpu: r.cpu, ktimeNs: r.ktimeNs, pidTgid: r.pidTgid, uidGid: r.uidGid, comm: r.comm, data: r.data };
      if (writer) writer.write(e);
      else pending.push(e);
    },
    onError: (e) => (failure ??= e),
  });
  const started = performance.now();
  try {
    const sources: RecordingSourceInfo[] = capture.sources.map((s) =>
      s.kind === 'tracepoint' ? { kind: s.kind, name: s.name, recordSize: s.recordSize! } : { kind: s.kind, name: s.name, args: s.args! },
    );
    writer = new RecordingWriter(options.out, {
      kernelRelease: release(),
      hostname: hostname(),
      startedAt: new Date().toISOString(),
      ...(options.objectName ? { object: basename(options.objectName) } : {}),
      sources,
    });
    for (const e of pending.splice(0)) writer.write(e);
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', finish);
        resolve();
      };
      const timer = setTimeout(finish, options.durationMs);
      if (options.signal?.aborted) finish();
      options.signal?.addEventListener('abort', finish);
    });
    capture.flush();
    const lost = capture.lost;
    capture.close(); // drains the ring buffer into the writer first
    if (failure) throw failure;
    return { sources, counts: [...writer.counts], lost, durationMs: performance.now() - started };
  } finally {
    capture.close();
    writer?.close();
  }
}
