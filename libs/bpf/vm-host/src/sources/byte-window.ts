import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Random access to a capture or recording for the readers: `load(at, n)` makes bytes [at, at + n)
 * readable in `u8`/`view` and returns where `at` is in them. A file is read through one window of
 * `windowBytes` (grown to the largest unit asked for), so replaying a file of any size holds one window
 * in memory, not the file.
 */
export interface ByteWindow {
  /** Total size in bytes. */
  readonly length: number;
  /** Whether bytes stay valid after the next load (memory) or are overwritten (file window). */
  readonly stable: boolean;
  readonly u8: Uint8Array;
  readonly view: DataView;
  load(at: number, n: number): number;
  close(): void;
}

/** Bytes already in memory. */
export function memoryWindow(bytes: Uint8Array): ByteWindow {
  return {
    length: bytes.length,
    stable: true,
    u8: bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    load: (at) => at,
    close: () => undefined,
  };
}

/** A file read window by window (default 1 MiB). */
export class FileWindow implements ByteWindow {
  readonly length: number;
  readonly stable = false;
  u8: Uint8Array;
  view: DataView;
  private fd: number;
  private base = 0;
  private filled = 0;

  constructor(
    readonly path: string,
    windowBytes = 1 << 20,
  ) {
    this.fd = openSync(path, 'r');
    try {
      this.length = fstatSync(this.fd).size;
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
    this.u8 = new Uint8Array(windowBytes);
    this.view = new DataView(this.u8.buffer);
  }

  load(at: number, n: number): number {
    if (at >= this.base && at + n <= this.base + this.filled) return at - this.base;
    if (this.fd < 0) throw new Error(`${this.path} is closed`);
    if (n > this.u8.length) {
      this.u8 = new Uint8Array(n);
      this.view = new DataView(this.u8.buffer);
    }
    this.base = at;
    this.filled = 0;
    const want = Math.min(this.u8.length, this.length - at);
    while (this.filled < want) {
      const got = readSync(this.fd, this.u8, this.filled, want - this.filled, at + this.filled);
      if (got === 0) break; // the file shrank meanwhile: callers see it as truncated
      this.filled += got;
    }
    return 0;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}
