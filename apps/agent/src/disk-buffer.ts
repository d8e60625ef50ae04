import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from './state-store.js';

export interface BufferedMessage {
  readonly seq: number;
  readonly data: Uint8Array;
}

const NAME_RE = /^(\d{16})\.msg$/;
const TMP_RE = /^\d{16}\.msg\.\d+\.tmp$/;

/**
 * Metric batches waiting for JetStream, one file per batch named by its sequence number, so they
 * survive a restart and replay in order. Bounded in bytes: when full the oldest batches are dropped
 * and counted.
 */
export class DiskBuffer {
  private readonly queue: { seq: number; size: number }[] = [];
  private bytes = 0;
  dropped = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly onDrop: (seq: number, total: number) => void = () => undefined,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      // Half-written by a process that died mid-write (writeAtomic's temporary): never a whole batch.
      if (TMP_RE.test(name)) {
        rmSync(join(dir, name), { force: true });
        continue;
      }
      const m = NAME_RE.exec(name);
      if (!m) continue;
      const size = statSync(join(dir, name)).size;
      this.queue.push({ seq: Number(m[1]), size });
      this.bytes += size;
    }
    this.queue.sort((a, b) => a.seq - b.seq);
  }

  private file(seq: number): string {
    return join(this.dir, `${String(seq).padStart(16, '0')}.msg`);
  }

  get length(): number {
    return this.queue.length;
  }

  get size(): number {
    return this.bytes;
  }

  /** The highest sequence number held (0 when empty). */
  get lastSeq(): number {
    return this.queue.length ? this.queue[this.queue.length - 1].seq : 0;
  }

  push(seq: number, data: Uint8Array): void {
    writeAtomic(this.file(seq), data);
    this.queue.push({ seq, size: data.byteLength });
    this.bytes += data.byteLength;
    while (this.bytes > this.maxBytes && this.queue.length > 1) {
      const oldest = this.queue[0];
      this.remove(oldest.seq);
      this.dropped++;
      this.onDrop(oldest.seq, this.dropped);
    }
  }

  peek(): BufferedMessage | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    return { seq: head.seq, data: readFileSync(this.file(head.seq)) };
  }

  /** Remove a batch once JetStream acknowledged it. */
  remove(seq: number): void {
    const i = this.queue.findIndex((q) => q.seq === seq);
    if (i < 0) return;
    const [entry] = this.queue.splice(i, 1);
    this.bytes -= entry.size;
    try {
      unlinkSync(this.file(seq));
    } catch {
      // Already gone: nothing to replay.
    }
  }
}
