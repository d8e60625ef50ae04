import { BtfError } from './errors.js';

/**
 * A bounds-checked little-endian reader over a byte range. Every read checks the remaining length
 * first, so truncated input becomes a `BtfError('E_TRUNCATED')` instead of a RangeError.
 */
export class ByteCursor {
  private readonly view: DataView;
  private pos = 0;

  constructor(
    private readonly bytes: Uint8Array,
    /** Offset of `bytes[0]` within the enclosing section, used only in error messages. */
    private readonly baseOffset = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  seek(offset: number): void {
    if (offset < 0 || offset > this.bytes.length) throw new BtfError('E_TRUNCATED', `seek to ${offset} outside ${this.bytes.length} bytes`, this.baseOffset + offset);
    this.pos = offset;
  }

  need(n: number, what: string): void {
    if (n > this.remaining) throw new BtfError('E_TRUNCATED', `${what}: need ${n} bytes, ${this.remaining} left`, this.baseOffset + this.pos);
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(what = 'i32'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A sub-cursor over the next `n` bytes (advances past them). */
  slice(n: number, what: string): ByteCursor {
    this.need(n, what);
    const sub = new ByteCursor(this.bytes.subarray(this.pos, this.pos + n), this.baseOffset + this.pos);
    this.pos += n;
    return sub;
  }
}
