import { closeSync, openSync, writeSync } from 'node:fs';
import { memoryWindow, type ByteWindow } from './byte-window.js';

/**
 * Recording file (`.bprec`), version 1, little-endian:
 *
 *   0   8 bytes  magic "BPFLREC\0"
 *   8   u32      format version (1)
 *  12   u32      header length H
 *  16   H bytes  header: UTF-8 JSON RecordingHeader
 *  16+H records, each:
 *         u32    length L of the rest of the record (≥ 48)
 *         u16    source: index into header.sources
 *         u16    flags (0)
 *         u32    cpu
 *         u64    ktime_ns (CLOCK_MONOTONIC of the recording host)
 *         u64    pid_tgid (tgid << 32 | pid)
 *         u64    uid_gid (gid << 32 | uid)
 *         u8[16] comm, NUL padded
 *         u8[L - 48] data: a tracepoint's raw record (header.sources[i].recordSize bytes) or a
 *                raw tracepoint's u64 arguments (args × 8 bytes)
 */
export const RECORDING_MAGIC = 'BPFLREC\0';
export const RECORDING_VERSION = 1;
const RECORD_FIXED = 48;
const MAX_HEADER = 1 << 20;
const MAX_DATA = 1 << 16;

export interface RecordingSourceInfo {
  readonly kind: 'tracepoint' | 'raw_tracepoint';
  /** `category/name` or the raw tracepoint's name. */
  readonly name: string;
  readonly recordSize?: number;
  readonly args?: number;
}

export interface RecordingHeader {
  readonly kernelRelease: string;
  readonly hostname: string;
  /** ISO time the recording started. */
  readonly startedAt: string;
  /** The object the attach points came from (file name). */
  readonly object?: string;
  readonly sources: readonly RecordingSourceInfo[];
}

export interface RecordedEvent {
  readonly source: number;
  readonly cpu: number;
  readonly ktimeNs: bigint;
  readonly pidTgid: bigint;
  readonly uidGid: bigint;
  readonly comm: string;
  readonly data: Uint8Array;
}

export type RecordingErrorCode = 'REC_BAD_MAGIC' | 'REC_VERSION' | 'REC_TRUNCATED' | 'REC_BAD_HEADER' | 'REC_BAD_RECORD';

export class RecordingError extends Error {
  constructor(
    readonly code: RecordingErrorCode,
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'RecordingError';
  }
}

function expectedDataSize(s: RecordingSourceInfo): number | undefined {
  return s.kind === 'tracepoint' ? s.recordSize : s.args !== undefined ? s.args * 8 : undefined;
}

function checkHeader(value: unknown, at: number): RecordingHeader {
  const bad = (why: string): never => {
    throw new RecordingError('REC_BAD_HEADER', `recording header: ${why}`, at);
  };
  if (typeof value !== 'object' || value === null) bad('not an object');
  const h = value as Record<string, unknown>;
  if (typeof h.kernelRelease !== 'string' || typeof h.hostname !== 'string' || typeof h.startedAt !== 'string') bad('kernelRelease, hostname and startedAt must be strings');
  if (!Array.isArray(h.sources) || h.sources.length === 0 || h.sources.length > 65535) bad('sources must be a non-empty array');
  for (const s of h.sources as unknown[]) {
    const src = s as Record<string, unknown>;
    if (typeof s !== 'object' || s === null || (src.kind !== 'tracepoint' && src.kind !== 'raw_tracepoint') || typeof src.name !== 'string') bad('each source needs kind tracepoint|raw_tracepoint and a name');
    const size = src.kind === 'tracepoint' ? src.recordSize : src.args;
    if (!Number.isSafeInteger(size) || (size as number) < 0 || (size as number) > MAX_DATA) bad(`source ${String(src.name)}: ${src.kind === 'tracepoint' ? 'recordSize' : 'args'} must be a small non-negative integer`);
  }
  return value as RecordingHeader;
}

/** Parses a recording in memory: its header now, its records lazily (errors surface where the bad part is). */
export function readRecording(bytes: Uint8Array): { header: RecordingHeader; records: Generator<RecordedEvent> } {
  return readRecordingWindow(memoryWindow(bytes));
}

/**
 * Parses a recording read through a window (a file of any size in bounded memory). Record data from a
 * file window are copies; from memory, views into the bytes.
 */
export function readRecordingWindow(w: ByteWindow): { header: RecordingHeader; records: Generator<RecordedEvent> } {
  if (w.length < 16) throw new RecordingError('REC_TRUNCATED', `a recording starts with 16 bytes, got ${w.length}`, 0);
  let o = w.load(0, 16);
  if (Buffer.from(w.u8.subarray(o, o + 8)).toString('latin1') !== RECORDING_MAGIC) throw new RecordingError('REC_BAD_MAGIC', 'not a bpfleet recording (bpfleet record writes them)', 0);
  const version = w.view.getUint32(o + 8, true);
  if (version !== RECORDING_VERSION) throw new RecordingError('REC_VERSION', `recording format version ${version}; this build reads ${RECORDING_VERSION}`, 8);
  const headerLength = w.view.getUint32(o + 12, true);
  if (headerLength > MAX_HEADER) throw new RecordingError('REC_BAD_HEADER', `header of ${headerLength} bytes (max ${MAX_HEADER})`, 12);
  if (16 + headerLength > w.length) throw new RecordingError('REC_TRUNCATED', 'header runs past the end of the file', 12);
  o = w.load(16, headerLength);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(w.u8.subarray(o, o + headerLength)).toString('utf8'));
  } catch (e) {
    throw new RecordingError('REC_BAD_HEADER', `header is not JSON: ${(e as Error).message}`, 16);
  }
  const header = checkHeader(parsed, 16);
  const sizes = header.sources.map(expectedDataSize);
  function* records(): Generator<RecordedEvent> {
    let at = 16 + headerLength;
    while (at < w.length) {
      if (at + 4 + RECORD_FIXED > w.length) throw new RecordingError('REC_TRUNCATED', 'record cut short', at);
      let r = w.load(at, 4 + RECORD_FIXED);
      const length = w.view.getUint32(r, true);
      if (length < RECORD_FIXED || length > RECORD_FIXED + MAX_DATA) throw new RecordingError('REC_BAD_RECORD', `record length ${length}`, at);
      if (at + 4 + length > w.length) throw new RecordingError('REC_TRUNCATED', `record of ${length} bytes runs past the end`, at);
      r = w.load(at, 4 + length);
      const view = w.view;
      const source = view.getUint16(r + 4, true);
      if (source >= header.sources.length) throw new RecordingError('REC_BAD_RECORD', `record names source ${source}, the header has ${header.sources.length}`, at + 4);
      if (length - RECORD_FIXED !== sizes[source]) throw new RecordingError('REC_BAD_RECORD', `record of source ${source} has ${length - RECORD_FIXED} data bytes, expected ${sizes[source]}`, at);
      const comm = w.u8.subarray(r + 36, r + 52);
      const nul = comm.indexOf(0);
      const start = r + 4 + RECORD_FIXED;
      yield {
        source,
        cpu: view.getUint32(r + 8, true),
        ktimeNs: view.getBigUint64(r + 12, true),
        pidTgid: view.getBigUint64(r + 20, true),
        uidGid: view.getBigUint64(r + 28, true),
        comm: Buffer.from(comm.subarray(0, nul < 0 ? 16 : nul)).toString('utf8'),
        data: w.stable ? w.u8.subarray(start, start + length - RECORD_FIXED) : w.u8.slice(start, start + length - RECORD_FIXED),
      };
      at += 4 + length;
    }
  }
  return { header, records: records() };
}

/** Encodes one record (length prefix included). */
export function encodeRecord(e: RecordedEvent): Uint8Array {
  const out = new Uint8Array(4 + RECORD_FIXED + e.data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, RECORD_FIXED + e.data.length, true);
  v.setUint16(4, e.source, true);
  v.setUint32(8, e.cpu, true);
  v.setBigUint64(12, BigInt.asUintN(64, e.ktimeNs), true);
  v.setBigUint64(20, BigInt.asUintN(64, e.pidTgid), true);
  v.setBigUint64(28, BigInt.asUintN(64, e.uidGid), true);
  out.set(Buffer.from(e.comm, 'utf8').subarray(0, 15), 36);
  out.set(e.data, 52);
  return out;
}

/** Encodes the file's start: magic, version, header. */
export function encodeRecordingStart(header: RecordingHeader): Uint8Array {
  const json = Buffer.from(JSON.stringify(checkHeader(header, 16)), 'utf8');
  const out = new Uint8Array(16 + json.length);
  out.set(Buffer.from(RECORDING_MAGIC, 'latin1'), 0);
  const v = new DataView(out.buffer);
  v.setUint32(8, RECORDING_VERSION, true);
  v.setUint32(12, json.length, true);
  out.set(json, 16);
  return out;
}

/** Writes a recording as records arrive, in 1 MiB chunks. */
export class RecordingWriter {
  private fd: number;
  private chunks: Uint8Array[] = [];
  private pending = 0;
  /** Records written so far, per source. */
  readonly counts: number[];

  constructor(
    readonly path: string,
    readonly header: RecordingHeader,
  ) {
    const start = encodeRecordingStart(header);
    this.fd = openSync(path, 'w');
    writeSync(this.fd, start);
    this.counts = header.sources.map(() => 0);
  }

  write(e: RecordedEvent): void {
    if (this.fd < 0) throw new Error(`recording ${this.path} is closed`);
    const sizes = expectedDataSize(this.header.sources[e.source]!);
    if (e.data.length !== sizes) throw new RecordingError('REC_BAD_RECORD', `source ${e.source} needs ${sizes} data bytes, got ${e.data.length}`, -1);
    const bytes = encodeRecord(e);
    this.chunks.push(bytes);
    this.pending += bytes.length;
    this.counts[e.source]!++;
    if (this.pending >= 1 << 20) this.flush();
  }

  flush(): void {
    if (this.fd < 0 || this.chunks.length === 0) return;
    writeSync(this.fd, Buffer.concat(this.chunks));
    this.chunks = [];
    this.pending = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}
