import { BpfMapType } from '@bpfleet/elf';
import { koffi, type NativePointer } from './native/koffi.js';
import { libbpf, isNull } from './native/libbpf.js';
import { lastErrno } from './native/libc.js';
import { withLibbpfLog } from './native/log.js';
import { ringBufferSampleFn, sizeOf } from './native/structs.js';
import { KernelError } from './errors.js';
import type { KernelMap } from './map.js';

export interface RecordReaderOptions {
  /** Called for each record, in order. The bytes are a copy the callee may keep. */
  readonly onRecord: (record: Uint8Array) => void;
  /** Called when onRecord throws; consumption stops for this wake-up and resumes on the next. */
  readonly onError?: (error: unknown) => void;
  /** Start consuming from the event loop right away (default true). */
  readonly start?: boolean;
}

/**
 * Consumes a BPF ring buffer without blocking the event loop: libbpf's epoll fd is watched by libuv
 * (koffi.node.poll) and each wake-up drains the buffer with ring_buffer__consume on the JS thread.
 */
export class RingBufferReader {
  private rb: NativePointer | null;
  private readonly callback: unknown;
  private poller: ReturnType<typeof koffi.node.poll> | null = null;
  private failure: unknown;
  /** Records delivered so far. */
  delivered = 0;

  constructor(
    readonly map: KernelMap,
    private readonly options: RecordReaderOptions,
  ) {
    if (map.type !== BpfMapType.RINGBUF) throw new KernelError(`map ${map.name} is not a ring buffer (type ${map.type})`, 'ring_buffer__new', 22);
    this.callback = koffi.register((_ctx: unknown, data: NativePointer, size: number | bigint) => {
      try {
        this.options.onRecord(new Uint8Array(koffi.view(data, Number(size)).slice(0)));
        this.delivered++;
        return 0;
      } catch (e) {
        this.failure = e;
        return -1;
      }
    }, koffi.pointer(ringBufferSampleFn));
    const lib = libbpf();
    const rb = withLibbpfLog(() => lib.ring_buffer__new(map.fd, this.callback, null, { sz: sizeOf('ring_buffer_opts') }) as NativePointer | null);
    if (isNull(rb)) {
      koffi.unregister(this.callback as bigint);
      throw KernelError.fromErrno('ring_buffer__new', lastErrno() || 22, `map ${map.name}`);
    }
    this.rb = rb;
    if (options.start ?? true) this.start();
  }

  /** Watches the epoll fd from the event loop. */
  start(): void {
    if (this.poller || !this.rb) return;
    const fd = libbpf().ring_buffer__epoll_fd(this.rb) as number;
    this.poller = koffi.node.poll(fd, { readable: true }, () => this.consume());
  }

  /** Drains what is in the buffer now; returns the records consumed. */
  consume(): number {
    if (!this.rb) return 0;
    const n = libbpf().ring_buffer__consume(this.rb) as number;
    if (this.failure !== undefined) {
      const e = this.failure;
      this.failure = undefined;
      if (this.options.onError) this.options.onError(e);
      else throw e;
      return 0;
    }
    if (n < 0) throw KernelError.fromErrno('ring_buffer__consume', n, `map ${this.map.name}`);
    return n;
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
    if (this.rb) {
      libbpf().ring_buffer__free(this.rb);
      this.rb = null;
      koffi.unregister(this.callback as bigint);
    }
  }
}
