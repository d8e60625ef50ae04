import { koffi, type NativePointer } from './native/koffi.js';
import { libc, lastErrno } from './native/libc.js';
import { KernelError } from './errors.js';

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
const BPF_RINGBUF_BUSY_BIT = 0x80000000;
const BPF_RINGBUF_DISCARD_BIT = 0x40000000;
const BPF_RINGBUF_HDR_SZ = 8;
const TWO_32 = 0x1_0000_0000;

function mmapOrThrow(len: number, prot: number, fd: number, offset: number, what: string): NativePointer {
  const p = libc().mmap(null, len, prot, MAP_SHARED, fd, offset) as NativePointer | null;
  // MAP_FAILED is (void *)-1.
  if (p === null || koffi.address(p) === 0xffffffffffffffffn) throw KernelError.fromErrno('mmap', lastErrno() || 22, what);
  return p;
}

/**
 * Reads a BPF ring buffer straight from its memory mapping, the way libbpf's ringbuf.c does, so a
 * record costs a few JS loads instead of an FFI callback. The kernel maps the data area twice in a
 * row, so a record that wraps is still contiguous. Positions are 64-bit but stay below 2^53 for
 * centuries at any realistic rate, so they are kept as Numbers read from two 32-bit halves.
 *
 * Only for x86-64: plain JS loads/stores rely on its total store order for the acquire/release
 * pairing with the kernel (other architectures use libbpf's consumer).
 */
export class MmapRing {
  private readonly consumerPtr: NativePointer;
  private readonly producerPtr: NativePointer;
  private readonly consumer: DataView;
  private readonly producer: DataView;
  private readonly data: Uint8Array;
  private readonly dataView: DataView;
  private readonly mask: number;
  private readonly pageSize: number;
  private readonly producerLen: number;
  private closed = false;

  constructor(fd: number, size: number) {
    this.pageSize = libc().getpagesize();
    this.mask = size - 1;
    this.producerLen = this.pageSize + 2 * size;
    this.consumerPtr = mmapOrThrow(this.pageSize, PROT_READ | PROT_WRITE, fd, 0, 'ring buffer consumer page');
    try {
      this.producerPtr = mmapOrThrow(this.producerLen, PROT_READ, fd, this.pageSize, 'ring buffer data');
    } catch (e) {
      libc().munmap(this.consumerPtr, this.pageSize);
      throw e;
    }
    this.consumer = new DataView(koffi.view(this.consumerPtr, this.pageSize));
    const producer = koffi.view(this.producerPtr, this.producerLen);
    this.producer = new DataView(producer, 0, this.pageSize);
    this.data = new Uint8Array(producer, this.pageSize, 2 * size);
    this.dataView = new DataView(producer, this.pageSize, 2 * size);
  }

  private read64(view: DataView): number {
    return view.getUint32(0, true) + view.getUint32(4, true) * TWO_32;
  }

  private writeConsumer(pos: number): void {
    // High half first is harmless: the kernel only compares against positions it handed out.
    this.consumer.setUint32(4, Math.floor(pos / TWO_32), true);
    this.consumer.setUint32(0, pos >>> 0, true);
  }

  /** Delivers up to `max` committed records (copies) in order; returns how many. */
  consume(onRecord: (record: Uint8Array) => void, max: number): number {
    if (this.closed) return 0;
    let cons = this.read64(this.consumer);
    let prod = this.read64(this.producer);
    let n = 0;
    try {
      while (n < max) {
        if (cons >= prod) {
          prod = this.read64(this.producer);
          if (cons >= prod) break;
        }
        const off = cons & this.mask;
        const header = this.dataView.getUint32(off, true);
        if (header & BPF_RINGBUF_BUSY_BIT) break; // reserved, not yet committed
        const len = header & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT) & 0xffffffff;
        const start = off + BPF_RINGBUF_HDR_SZ;
        cons += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7;
        if (!(header & BPF_RINGBUF_DISCARD_BIT)) {
          n++;
          onRecord(this.data.slice(start, start + len));
        }
        // Publish progress per record, like libbpf, so the producer can reuse space at once.
        this.writeConsumer(cons);
      }
    } finally {
      this.writeConsumer(cons);
    }
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    libc().munmap(this.producerPtr, this.producerLen);
    libc().munmap(this.consumerPtr, this.pageSize);
  }
}
