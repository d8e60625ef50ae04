import { BpfMapType } from '@bpfleet/elf';
import { koffi, type NativePointer } from './native/koffi.js';
import { libbpf, isNull } from './native/libbpf.js';
import { lastErrno } from './native/libc.js';
import { copyFromNative } from './native/memory.js';
import { withLibbpfLog } from './native/log.js';
import { perfBufferLostFn, perfBufferSampleFn, sizeOf } from './native/structs.js';
import { KernelError } from './errors.js';
import type { KernelMap } from './map.js';

export interface PerfReaderOptions {
  /** Called per record with the CPU it came from; the bytes are a copy. */
  readonly onRecord: (record: Uint8Array, cpu: number) => void;
  /** Called when the kernel dropped records because a CPU's buffer was full. */
  readonly onLost?: (count: number, cpu: number) => void;
  readonly onError?: (error: unknown) => void;
  /** Pages per CPU buffer, a power of two (default 64). */
  readonly pagesPerCpu?: number;
  readonly start?: boolean;
}

/** Consumes a BPF_MAP_TYPE_PERF_EVENT_ARRAY through libbpf's perf_buffer, driven by the event loop. */
export class PerfBufferReader {
  private pb: NativePointer | null;
  private readonly sample: unknown;
  private readonly lost: unknown;
  private poller: ReturnType<typeof koffi.node.poll> | null = null;
  private failure: unknown;
  delivered = 0;
  lostRecords = 0;

  constructor(
    readonly map: KernelMap,
    private readonly options: PerfReaderOptions,
  ) {
    if (map.type !== BpfMapType.PERF_EVENT_ARRAY) throw new KernelError(`map ${map.name} is not a perf event array (type ${map.type})`, 'perf_buffer__new', 22);
    const pages = options.pagesPerCpu ?? 64;
    if (!Number.isInteger(pages) || pages <= 0 || (pages & (pages - 1)) !== 0) throw new KernelError(`pagesPerCpu must be a power of two, got ${pages}`, 'perf_buffer__new', 22);
    this.sample = koffi.register((_ctx: unknown, cpu: number, data: NativePointer, size: number) => {
      if (this.failure !== undefined) return;
      try {
        this.options.onRecord(copyFromNative(data, size), cpu);
        this.delivered++;
      } catch (e) {
        this.failure = e;
      }
    }, koffi.pointer(perfBufferSampleFn));
    this.lost = koffi.register((_ctx: unknown, cpu: number, count: number | bigint) => {
      this.lostRecords += Number(count);
      this.options.onLost?.(Number(count), cpu);
    }, koffi.pointer(perfBufferLostFn));
    const pb = withLibbpfLog(() => libbpf().perf_buffer__new(map.fd, pages, this.sample, this.lost, null, { sz: sizeOf('perf_buffer_opts') }) as NativePointer | null);
    if (isNull(pb)) {
      koffi.unregister(this.sample as bigint);
      koffi.unregister(this.lost as bigint);
      throw KernelError.fromErrno('perf_buffer__new', lastErrno() || 22, `map ${map.name}`);
    }
    this.pb = pb;
    if (options.start ?? true) this.start();
  }

  start(): void {
    if (this.poller || !this.pb) return;
    const fd = libbpf().perf_buffer__epoll_fd(this.pb) as number;
    this.poller = koffi.node.poll(fd, { readable: true }, () => this.consume());
  }

  /** Drains every CPU's buffer now. */
  consume(): void {
    if (!this.pb) return;
    const ret = libbpf().perf_buffer__consume(this.pb) as number;
    if (this.failure !== undefined) {
      const e = this.failure;
      this.failure = undefined;
      if (this.options.onError) this.options.onError(e);
      else throw e;
      return;
    }
    if (ret < 0) throw KernelError.fromErrno('perf_buffer__consume', ret, `map ${this.map.name}`);
  }

  unref(): void {
    this.poller?.unref();
  }

  close(): void {
    if (this.poller) {
      this.poller.close();
      this.poller = null;
    }
    if (this.pb) {
      libbpf().perf_buffer__free(this.pb);
      this.pb = null;
      koffi.unregister(this.sample as bigint);
      koffi.unregister(this.lost as bigint);
    }
  }
}

