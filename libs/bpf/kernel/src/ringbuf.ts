import { BpfMapType } from '@bpfleet/elf';
import { koffi, type NativePointer } from './native/koffi.js';
import { libbpf, isNull } from './native/libbpf.js';
import { lastErrno } from './native/libc.js';
import { copyFromNative } from './native/memory.js';
import { withLibbpfLog } from './native/log.js';
import { ringBufferSampleFn, sizeOf } from './native/structs.js';
import { KernelError } from './errors.js';
import type { KernelMap } from './map.js';
import { MmapRing } from './ringbuf-mmap.js';

/** `mmap`: read the mapping from JS (x86-64 only, fastest); `libbpf`: ring_buffer__consume with a callback per record. */
export type RingBufferMode = 'mmap' | 'libbpf';

export interface RecordReaderOptions {
  /** Called for each record, in order. The bytes are a copy the callee may keep. */
  readonly onRecord: (record: Uint8Array) => void;
  /** Called when onRecord throws; the record counts as consumed and reading goes on. */
  readonly onError?: (error: unknown) => void;
  /** Start consuming from the event loop right away (default true). */
  readonly start?: boolean;
  /** Default: mmap on x86-64, libbpf elsewhere. */
  readonly mode?: RingBufferMode;
  /** Records per event-loop turn at most (default 8192), so a flood cannot starve timers and I/O. */
  readonly maxPerTurn?: number;
}

/**
 * Consumes a BPF ring buffer without blocking the event loop: libuv watches the map's fd (readable
 * while data is pending, level-triggered) and each wake-up drains up to maxPerTurn records on the JS
 * thread; what is left wakes the next turn.
 */
export class RingBufferReader {
  readonly mode: RingBufferMode;
  private ring: MmapRing | null = null;
  private rb: NativePointer | null = null;
  private callback: unknown = null;
  private poller: ReturnType<typeof koffi.node.poll> | null = null;
  private failure: unknown;
  private readonly maxPerTurn: number;
  /** Records delivered so far. */
  delivered = 0;

  constructor(
    readonly map: KernelMap,
    private readonly options: RecordReaderOptions,
  ) {
    if (map.type !== BpfMapType.RINGBUF) throw new KernelError(`map ${map.name} is not a ring buffer (type ${map.type})`, 'ring_buffer__new', 22);
    this.mode = options.mode ?? (process.arch === 'x64' ? 'mmap' : 'libbpf');
    this.maxPerTurn = options.maxPerTurn ?? 8192;
    if (this.mode === 'mmap') {
      this.ring = new MmapRing(map.fd, map.maxEntries);
    } else {
      this.callback = koffi.register((_ctx: unknown, data: NativePointer, size: number | bigint) => {
        try {
          this.options.onRecord(copyFromNative(data, Number(size)));
          this.delivered++;
          return 0;
        } catch (e) {
          this.failure = e;
          return -1;
        }
      }, koffi.pointer(ringBufferSampleFn));
      const rb = withLibbpfLog(() => libbpf().ring_buffer__new(map.fd, this.callback, null, { sz: sizeOf('ring_buffer_opts') }) as NativePointer | null);
      if (isNull(rb)) {
        koffi.unregister(this.callback as bigint);
        throw KernelError.fromErrno('ring_buffer__new', lastErrno() || 22, `map ${map.name}`);
      }
      this.rb = rb;
    }
    if (options.start ?? true) this.start();
  }

  /** Watches the fd from the event loop. */
  start(): void {
    if (this.poller) return;
    const fd = this.rb ? (libbpf().ring_buffer__epoll_fd(this.rb) as number) : this.map.fd;
    this.poller = koffi.node.poll(fd, { readable: true }, () => {
      try {
        this.consume();
      } catch (e) {
        // Without onError there is no caller to throw to from a poll callback; stop reading.
        this.poller?.stop();
        queueMicrotask(() => {
          throw e;
        });
      }
    });
  }

  /** Drains what is in the buffer now (up to maxPerTurn in mmap mode); returns records consumed. */
  consume(): number {
    if (this.ring) return this.consumeMmap();
    if (!this.rb) return 0;
    const n = libbpf().ring_buffer__consume(this.rb) as number;
    if (this.failure !== undefined) {
      const e = this.failure;
      this.failure = undefined;
      this.report(e);
      return 0;
    }
    if (n < 0) throw KernelError.fromErrno('ring_buffer__consume', n, `map ${this.map.name}`);
    return n;
  }

  private consumeMmap(): number {
    const ring = this.ring!;
    let total = 0;
    for (;;) {
      try {
        total += ring.consume((r) => {
          this.delivered++;
          this.options.onRecord(r);
        }, this.maxPerTurn - total);
        return total;
      } catch (e) {
        total++;
        this.report(e);
        if (total >= this.maxPerTurn) return total;
      }
    }
  }

  private report(e: unknown): void {
    if (this.options.onError) this.options.onError(e);
    else throw e;
  }

  /** Lets the process exit while the reader is idle. */
  unref(): void {
    this.poller?.unref();
  }

  close(): void {
    if (this.poller) {
      this.poller.close();
      this.poller = null;
    }
    if (this.ring) {
      this.ring.close();
      this.ring = null;
    }
    if (this.rb) {
      libbpf().ring_buffer__free(this.rb);
      this.rb = null;
      koffi.unregister(this.callback as bigint);
    }
  }
}
