// Test helper: encodes BTF type records into a `.BTF` section, to build hostile and edge-case inputs.
export class BtfBuilder {
  private readonly words: number[] = [];
  private readonly strings: number[] = [0];
  private readonly stringOffsets = new Map<string, number>([['', 0]]);
  private nextId = 1;

  str(s: string): number {
    const hit = this.stringOffsets.get(s);
    if (hit !== undefined) return hit;
    const off = this.strings.length;
    this.strings.push(...new TextEncoder().encode(s), 0);
    this.stringOffsets.set(s, off);
    return off;
  }

  /** Appends one type: name, kind, vlen, kind_flag, size-or-type, then extra u32 words. Returns its id. */
  type(name: string, kind: number, vlen: number, sizeOrType: number, extra: number[] = [], kindFlag = false): number {
    this.words.push(this.str(name), ((kindFlag ? 1 : 0) << 31) | (kind << 24) | vlen, sizeOrType, ...extra);
    return this.nextId++;
  }

  int(name: string, size: number, encoding = 0, bits = size * 8): number {
    return this.type(name, 1, 0, size, [(encoding << 24) | bits]);
  }

  build(): Uint8Array {
    const typeLen = this.words.length * 4;
    const out = new Uint8Array(24 + typeLen + this.strings.length);
    const v = new DataView(out.buffer);
    v.setUint16(0, 0xeb9f, true);
    v.setUint8(2, 1);
    v.setUint32(4, 24, true);
    v.setUint32(8, 0, true);
    v.setUint32(12, typeLen, true);
    v.setUint32(16, typeLen, true);
    v.setUint32(20, this.strings.length, true);
    this.words.forEach((w, i) => v.setUint32(24 + i * 4, w >>> 0, true));
    out.set(this.strings, 24 + typeLen);
    return out;
  }
}
