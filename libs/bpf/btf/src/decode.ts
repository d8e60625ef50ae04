import type { Btf } from './btf.js';
import { MAX_NESTING_DEPTH } from './btf.js';
import { BtfError } from './errors.js';
import { BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BtfKind, type BtfComposite, type BtfType } from './types.js';

/** A JSON value as produced by `decodeValue`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface DecodeOptions {
  /**
   * How integers wider than 32 bits are represented. `'auto'` (default): a number when it fits in
   * ±(2^53 − 1), otherwise a decimal string, so nothing is ever rounded and small counters stay numbers.
   * `'string'`: always a decimal string (one JSON type per field, for schemas).
   */
  readonly int64?: 'auto' | 'string';
  /** Upper bound on JSON nodes produced (default 1,000,000), against hostile array counts. */
  readonly maxNodes?: number;
}

/**
 * Decodes raw little-endian bytes into JSON by a BTF type: structs and unions as objects (anonymous
 * members are merged into the parent, like C access), arrays as arrays, `char[]` as strings up to the
 * first NUL, enums as their enumerator name (the number when no name matches), bitfields extracted,
 * bools as booleans, pointers as `0x…` hex strings, floats as numbers. A DATASEC decodes to an object
 * of its variables. Throws `BtfError('E_DECODE')` when the bytes are shorter than the type.
 */
export function decodeValue(btf: Btf, typeId: number, bytes: Uint8Array, options: DecodeOptions = {}): JsonValue {
  const decoder = new ValueDecoder(btf, bytes, options);
  return decoder.value(typeId, 0, 0);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

class ValueDecoder {
  private readonly view: DataView;
  private nodes = 0;
  private readonly maxNodes: number;
  private readonly text = new TextDecoder('utf-8', { fatal: false });

  constructor(
    private readonly btf: Btf,
    private readonly bytes: Uint8Array,
    private readonly options: DecodeOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.maxNodes = options.maxNodes ?? 1_000_000;
  }

  value(typeId: number, offset: number, depth: number): JsonValue {
    if (depth > MAX_NESTING_DEPTH) throw new BtfError('E_LOOP', `type ${typeId}: value nesting deeper than ${MAX_NESTING_DEPTH}`);
    if (++this.nodes > this.maxNodes) throw new BtfError('E_LIMIT', `value has more than ${this.maxNodes} parts`);
    const t = this.btf.resolveVar(typeId);
    switch (t.kind) {
      case BtfKind.INT:
        return this.integer(t.size, t.encoding, offset, t.bitOffset, t.bits);
      case BtfKind.ENUM:
      case BtfKind.ENUM64: {
        const raw = this.bigint(offset, t.size, t.signed);
        const hit = t.values.find((v) => v.value === raw || BigInt.asUintN(t.size * 8, v.value) === BigInt.asUintN(t.size * 8, raw));
        return hit ? hit.name : this.wide(raw, t.size * 8);
      }
      case BtfKind.PTR:
        return `0x${this.bigint(offset, 8, false).toString(16)}`;
      case BtfKind.FLOAT:
        this.check(offset, t.size, t);
        if (t.size === 4) return this.view.getFloat32(offset, true);
        if (t.size === 8) return this.view.getFloat64(offset, true);
        return hex(this.bytes.subarray(offset, offset + t.size));
      case BtfKind.ARRAY:
        return this.array(t.type, t.nelems, offset, depth);
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        return this.composite(t, offset, depth);
      case BtfKind.DATASEC: {
        const out: { [key: string]: JsonValue } = {};
        for (const v of t.vars) {
          const name = this.btf.type(v.type).name;
          out[name] = this.value(v.type, offset + v.offset, depth + 1);
        }
        return out;
      }
      default:
        throw new BtfError('E_DECODE', `type ${typeId} (${BtfKind[t.kind]}) has no value representation`);
    }
  }

  private array(elemId: number, nelems: number, offset: number, depth: number): JsonValue {
    const elem = this.btf.resolve(elemId);
    const elemSize = this.btf.sizeOf(elemId);
    this.check(offset, elemSize * nelems, elem);
    if (elem.kind === BtfKind.INT && elem.size === 1 && (elem.encoding & BTF_INT_CHAR || elem.name === 'char')) {
      const raw = this.bytes.subarray(offset, offset + nelems);
      const nul = raw.indexOf(0);
      return this.text.decode(nul < 0 ? raw : raw.subarray(0, nul));
    }
    if (elemSize === 0) return [];
    const out: JsonValue[] = new Array(nelems);
    for (let i = 0; i < nelems; i++) out[i] = this.value(elemId, offset + i * elemSize, depth + 1);
    return out;
  }

  private composite(t: BtfComposite, offset: number, depth: number): JsonValue {
    this.check(offset, t.size, t);
    const out: { [key: string]: JsonValue } = {};
    for (const m of t.members) {
      if (m.bitfieldSize > 0) {
        const mt = this.btf.resolve(m.type);
        const signed = mt.kind === BtfKind.INT ? (mt.encoding & BTF_INT_SIGNED) !== 0 : mt.kind === BtfKind.ENUM || mt.kind === BtfKind.ENUM64 ? mt.signed : false;
        const v = this.bits(offset, m.bitOffset, m.bitfieldSize, signed);
        out[m.name] = mt.kind === BtfKind.INT && mt.encoding & BTF_INT_BOOL ? v !== 0n : this.wide(v, m.bitfieldSize);
        continue;
      }
      if (m.bitOffset % 8 !== 0) throw new BtfError('E_DECODE', `member ${m.name} of type ${t.id} is not byte-aligned`);
      const value = this.value(m.type, offset + m.bitOffset / 8, depth + 1);
      if (m.name === '' && value !== null && typeof value === 'object' && !Array.isArray(value)) Object.assign(out, value);
      else out[m.name] = value;
    }
    return out;
  }

  private integer(size: number, encoding: number, offset: number, bitOffset: number, bits: number): JsonValue {
    const signed = (encoding & BTF_INT_SIGNED) !== 0;
    if (bitOffset !== 0 || bits !== size * 8) {
      this.check(offset, size, undefined);
      const v = this.bits(offset, bitOffset, bits, signed);
      return encoding & BTF_INT_BOOL ? v !== 0n : this.wide(v, bits);
    }
    this.check(offset, size, undefined);
    if (encoding & BTF_INT_BOOL) return this.bigint(offset, size, false) !== 0n;
    switch (size) {
      case 1:
        return signed ? this.view.getInt8(offset) : this.view.getUint8(offset);
      case 2:
        return signed ? this.view.getInt16(offset, true) : this.view.getUint16(offset, true);
      case 4:
        return signed ? this.view.getInt32(offset, true) : this.view.getUint32(offset, true);
      default:
        return this.wide(this.bigint(offset, size, signed), size * 8);
    }
  }

  /** Little-endian integer of any byte width as bigint. */
  private bigint(offset: number, size: number, signed: boolean): bigint {
    this.check(offset, size, undefined);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[offset + i]!);
    return signed ? BigInt.asIntN(size * 8, v) : v;
  }

  /** A bitfield: `width` bits starting `bitOffset` bits into the value at `offset` (little-endian). */
  private bits(offset: number, bitOffset: number, width: number, signed: boolean): bigint {
    const first = offset + Math.floor(bitOffset / 8);
    const span = Math.ceil(((bitOffset % 8) + width) / 8);
    const raw = this.bigint(first, span, false) >> BigInt(bitOffset % 8);
    const v = BigInt.asUintN(width, raw);
    return signed ? BigInt.asIntN(width, v) : v;
  }

  /** Integers up to 32 bits are always numbers; wider ones follow the `int64` option. */
  private wide(v: bigint, width: number): JsonValue {
    if (width <= 32) return Number(v);
    if (this.options.int64 === 'string') return v.toString();
    return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString();
  }

  private check(offset: number, size: number, t: BtfType | undefined): void {
    if (offset + size > this.bytes.length) {
      throw new BtfError('E_DECODE', `${t ? `type ${t.id} (${t.name || BtfKind[t.kind]})` : 'value'} needs ${size} bytes at offset ${offset}, only ${this.bytes.length} given`, offset);
    }
  }
}

function hex(bytes: Uint8Array): string {
  return `0x${[...bytes].reverse().map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
