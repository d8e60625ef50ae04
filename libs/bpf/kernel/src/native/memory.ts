import { koffi, type NativePointer } from './koffi.js';
import { libc } from './libc.js';

/**
 * Native memory that must outlive a single call (a verifier log buffer libbpf keeps between open
 * and load, ELF bytes libbpf reads from). JS Buffers are only safe for the duration of one call.
 */
export class NativeBuffer {
  private pointer: NativePointer | null;
  /** A no-copy view of the native bytes. Invalid after free(). */
  readonly bytes: Uint8Array;

  constructor(readonly size: number) {
    // Zero-size allocations are legal in C but not useful; keep one byte so the pointer is real.
    this.pointer = koffi.alloc('uint8_t', Math.max(1, size)) as NativePointer;
    this.bytes = new Uint8Array(koffi.view(this.pointer, Math.max(1, size)), 0, size);
    this.bytes.fill(0);
  }

  static from(data: Uint8Array): NativeBuffer {
    const b = new NativeBuffer(data.length);
    b.bytes.set(data);
    return b;
  }

  get ptr(): NativePointer {
    if (!this.pointer) throw new Error('native buffer used after free');
    return this.pointer;
  }

  /** The NUL-terminated C string at the start of the buffer. */
  cString(): string {
    const end = this.bytes.indexOf(0);
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, end < 0 ? this.size : end).toString('utf8');
  }

  free(): void {
    if (this.pointer) koffi.free(this.pointer);
    this.pointer = null;
  }
}

/**
 * Copies `size` bytes at a native pointer into a new JS-owned array. memcpy through the FFI costs
 * ~0.6 µs; a koffi.view per call costs ~20 µs (it creates an external ArrayBuffer).
 */
export function copyFromNative(ptr: NativePointer, size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (size > 0) libc().memcpy(out, ptr, size);
  return out;
}
