import { BpfProgType } from '@bpfleet/elf';
import { KernelAttachError, KernelError } from '../errors.js';
import type { KernelMap } from '../map.js';
import type { Link } from '../link.js';
import { attachRawTracepointFd, attachTracepointFd, createArrayMap, createRingBufferMap, loadRawProgram, type RawProgram } from '../raw-program.js';
import { RingBufferReader } from '../ringbuf.js';
import { buildCaptureProgram, decodeCapturedRecord, type CapturedRecord } from './capture-program.js';
import { readTracepointFormat, type TracepointFormat } from './tracepoint-format.js';

const EINVAL = 22;
const MAX_RAW_TP_ARGS = 12;
/**
 * Bytes captured past the fixed part of a record with `__data_loc` fields, where their strings and
 * arrays are (a file name, a comm). Longer data is cut; reading past the record is safe (the copy is a
 * bpf_probe_read_kernel inside the per-CPU trace buffer).
 */
export const DYNAMIC_DATA_BYTES = 256;

/** Where a capture program attaches. */
export interface CapturePoint {
  readonly kind: 'tracepoint' | 'raw_tracepoint';
  /** `category/name` for a tracepoint, the name for a raw tracepoint. */
  readonly name: string;
}

/** What one capture program records: its attach point and the size of the context it copies. */
export interface CaptureSource extends CapturePoint {
  /** Tracepoint: bytes copied per record: the fixed part from tracefs, plus DYNAMIC_DATA_BYTES when it has `__data_loc` fields. */
  readonly recordSize?: number;
  /** Tracepoint: the fields from tracefs. */
  readonly format?: TracepointFormat;
  /** Raw tracepoint: how many u64 arguments it has. */
  readonly args?: number;
}

export interface CaptureOptions {
  readonly onRecord: (record: CapturedRecord) => void;
  readonly onError?: (error: unknown) => void;
  /** Ring buffer size in bytes (power of two, default 16 MiB). */
  readonly ringBytes?: number;
}

/**
 * Records the raw context of tracepoints and raw tracepoints with small generated programs (built
 * with the ISA builder, loaded without libbpf objects), plus the current task's pid/tgid, uid/gid,
 * comm, the CPU and ktime, delivered through a ring buffer without blocking the event loop.
 */
export class KernelCapture {
  readonly sources: CaptureSource[] = [];
  private readonly programs: RawProgram[] = [];
  private readonly links: Link[] = [];
  private readonly ring: KernelMap;
  /** Slot 0: records the capture programs could not write because the ring buffer was full. */
  private readonly lostMap: KernelMap;
  private reader: RingBufferReader | undefined;
  /** Records that were too short to decode (none unless the ring is corrupted). */
  malformed = 0;

  private constructor(options: CaptureOptions) {
    this.ring = createRingBufferMap('bpfleet_capture', options.ringBytes ?? 16 * 1024 * 1024);
    try {
      this.lostMap = createArrayMap('bpfleet_lost', 8, 1);
    } catch (e) {
      this.ring.close();
      throw e;
    }
  }

  /** Records lost so far because the ring buffer was full (the reader did not keep up). */
  get lost(): bigint {
    const v = this.lostMap.lookup(new Uint8Array(4));
    return v ? Buffer.from(v).readBigUInt64LE(0) : 0n;
  }

  static start(points: readonly CapturePoint[], options: CaptureOptions): KernelCapture {
    const capture = new KernelCapture(options);
    try {
      points.forEach((p, i) => capture.attach(p, i));
      capture.reader = new RingBufferReader(capture.ring, {
        onRecord: (bytes) => {
          const record = decodeCapturedRecord(bytes);
          if (record) options.onRecord(record);
          else capture.malformed++;
        },
        onError: options.onError,
      });
    } catch (e) {
      capture.close();
      throw e;
    }
    return capture;
  }

  private attach(point: CapturePoint, source: number): void {
    if (point.kind === 'tracepoint') {
      const format = readTracepointFormat(point.name);
      const recordSize = format.recordSize + (format.dynamic ? DYNAMIC_DATA_BYTES : 0);
      const program = loadRawProgram(BpfProgType.TRACEPOINT, `cap_${source}`, buildCaptureProgram({ kind: 'tracepoint', recordSize }, this.ring.fd, source, this.lostMap.fd));
      this.programs.push(program);
      this.links.push(attachTracepointFd(program, point.name));
      this.sources.push({ ...point, recordSize, format });
      return;
    }
    // The kernel refuses (EINVAL) a raw_tp program that reads past the tracepoint's arguments: the
    // largest count it accepts is the tracepoint's.
    for (let args = MAX_RAW_TP_ARGS; args >= 0; args--) {
      const program = loadRawProgram(BpfProgType.RAW_TRACEPOINT, `cap_${source}`, buildCaptureProgram({ kind: 'raw_tracepoint', args }, this.ring.fd, source, this.lostMap.fd));
      try {
        this.links.push(attachRawTracepointFd(program, point.name));
      } catch (e) {
        program.close();
        if (e instanceof KernelAttachError && e.errno === EINVAL && args > 0) continue;
        throw e;
      }
      this.programs.push(program);
      this.sources.push({ ...point, args });
      return;
    }
    throw new KernelError(`raw tracepoint ${point.name}: no argument count attaches`, 'bpf_raw_tracepoint_open', EINVAL);
  }

  /** Delivers what the ring buffer holds now (call before close to lose nothing). */
  flush(): void {
    while (this.reader && this.reader.consume() > 0);
  }

  /** Detaches every capture program and frees the ring buffer. Idempotent. */
  close(): void {
    for (const l of this.links.splice(0)) {
      try {
        l.close();
      } catch {
        // Already detached with its hook.
      }
    }
    this.flush();
    this.reader?.close();
    this.reader = undefined;
    for (const p of this.programs.splice(0)) p.close();
    this.ring.close();
    this.lostMap.close();
  }
}
