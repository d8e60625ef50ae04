import { Btf } from './btf.js';
import { ByteCursor } from './cursor.js';
import { BtfError } from './errors.js';
import { BtfKind, type BtfLinkage, type BtfMember, type BtfType } from './types.js';

export const BTF_MAGIC = 0xeb9f;
const BTF_HEADER_MIN = 24;

export interface BtfParseOptions {
  /** Refuse sections with more types than this (default 500,000; a whole vmlinux has about 150,000). */
  readonly maxTypes?: number;
}

export interface BtfHeader {
  readonly version: number;
  readonly flags: number;
  readonly hdrLen: number;
  readonly typeOff: number;
  readonly typeLen: number;
  readonly strOff: number;
  readonly strLen: number;
}

/** Reads and validates the BTF header; offsets are relative to the end of the header. */
export function parseBtfHeader(bytes: Uint8Array): BtfHeader {
  const c = new ByteCursor(bytes);
  const magic = c.u16('magic');
  if (magic !== BTF_MAGIC) throw new BtfError('E_MAGIC', `bad BTF magic 0x${magic.toString(16)}`, 0);
  const version = c.u8('version');
  if (version !== 1) throw new BtfError('E_VERSION', `unsupported BTF version ${version}`, 2);
  const flags = c.u8('flags');
  const hdrLen = c.u32('hdr_len');
  if (hdrLen < BTF_HEADER_MIN || hdrLen > bytes.length) throw new BtfError('E_HEADER', `header length ${hdrLen} outside ${BTF_HEADER_MIN}..${bytes.length}`, 4);
  const typeOff = c.u32('type_off');
  const typeLen = c.u32('type_len');
  const strOff = c.u32('str_off');
  const strLen = c.u32('str_len');
  const body = bytes.length - hdrLen;
  if (typeOff + typeLen > body || strOff + strLen > body) {
    throw new BtfError('E_HEADER', `type (${typeOff}+${typeLen}) or string (${strOff}+${strLen}) section exceeds the ${body} bytes after the header`, 8);
  }
  if (typeOff % 4 !== 0) throw new BtfError('E_HEADER', `type section offset ${typeOff} is not 4-byte aligned`, 8);
  if (strLen > 0 && bytes[hdrLen + strOff + strLen - 1] !== 0) throw new BtfError('E_STRING', 'string section does not end with NUL', hdrLen + strOff);
  return { version, flags, hdrLen, typeOff, typeLen, strOff, strLen };
}

/** A lookup for the string section: offsets are checked, decoded strings cached. */
export function stringTable(bytes: Uint8Array, baseOffset: number): (offset: number) => string {
  const cache = new Map<number, string>();
  const decoder = new TextDecoder('utf-8', { fatal: false });
  return (offset: number) => {
    const hit = cache.get(offset);
    if (hit !== undefined) return hit;
    if (!Number.isInteger(offset) || offset < 0 || offset >= bytes.length) {
      throw new BtfError('E_STRING', `string offset ${offset} outside the ${bytes.length}-byte string section`, baseOffset);
    }
    const end = bytes.indexOf(0, offset);
    if (end < 0) throw new BtfError('E_STRING', `string at ${offset} is not NUL-terminated`, baseOffset + offset);
    const s = decoder.decode(bytes.subarray(offset, end));
    cache.set(offset, s);
    return s;
  };
}

/** Parses a `.BTF` section into a type graph. Throws `BtfError` on any malformed input. */
export function parseBtf(bytes: Uint8Array, options: BtfParseOptions = {}): Btf {
  const maxTypes = options.maxTypes ?? 500_000;
  const h = parseBtfHeader(bytes);
  const strBase = h.hdrLen + h.strOff;
  const str = stringTable(bytes.subarray(strBase, strBase + h.strLen), strBase);
  const typeBase = h.hdrLen + h.typeOff;
  const c = new ByteCursor(bytes.subarray(typeBase, typeBase + h.typeLen), typeBase);
  const types: BtfType[] = [{ kind: BtfKind.VOID, id: 0, name: 'void' }];
  const offsets: number[] = [0];
  while (c.remaining > 0) {
    if (types.length > maxTypes) throw new BtfError('E_LIMIT', `more than ${maxTypes} types`, typeBase + c.offset);
    offsets.push(typeBase + c.offset);
    types.push(readType(c, types.length, str, typeBase));
  }
  checkReferences(types);
  return new Btf(types, str, offsets);
}

function readType(c: ByteCursor, id: number, str: (o: number) => string, typeBase: number): BtfType {
  const at = typeBase + c.offset;
  const nameOff = c.u32('btf_type.name_off');
  const info = c.u32('btf_type.info');
  const sizeOrType = c.u32('btf_type.size');
  const vlen = info & 0xffff;
  const kind = (info >>> 24) & 0x1f;
  const kindFlag = info >>> 31 === 1;
  const name = str(nameOff);
  switch (kind) {
    case BtfKind.INT: {
      const data = c.u32('int encoding');
      return { kind, id, name, size: sizeOrType, encoding: (data >>> 24) & 0x0f, bitOffset: (data >>> 16) & 0xff, bits: data & 0xff };
    }
    case BtfKind.PTR:
    case BtfKind.TYPEDEF:
    case BtfKind.VOLATILE:
    case BtfKind.CONST:
    case BtfKind.RESTRICT:
    case BtfKind.TYPE_TAG:
      return { kind, id, name, type: sizeOrType };
    case BtfKind.ARRAY: {
      const type = c.u32('array.type');
      const indexType = c.u32('array.index_type');
      const nelems = c.u32('array.nelems');
      return { kind, id, name, type, indexType, nelems };
    }
    case BtfKind.STRUCT:
    case BtfKind.UNION: {
      c.need(vlen * 12, `${BtfKind[kind]} ${name || id} members`);
      const members: BtfMember[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const mName = str(c.u32());
        const type = c.u32();
        const off = c.u32();
        members[i] = kindFlag ? { name: mName, type, bitOffset: off & 0xffffff, bitfieldSize: off >>> 24 } : { name: mName, type, bitOffset: off, bitfieldSize: 0 };
      }
      return { kind, id, name, size: sizeOrType, members };
    }
    case BtfKind.ENUM: {
      c.need(vlen * 8, `enum ${name || id} values`);
      const values = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const vName = str(c.u32());
        const raw = c.u32();
        values[i] = { name: vName, value: kindFlag ? BigInt(raw | 0) : BigInt(raw) };
      }
      return { kind, id, name, size: sizeOrType, signed: kindFlag, values };
    }
    case BtfKind.ENUM64: {
      c.need(vlen * 12, `enum64 ${name || id} values`);
      const values = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const vName = str(c.u32());
        const lo = c.u32();
        const hi = c.u32();
        const u = (BigInt(hi) << 32n) | BigInt(lo);
        values[i] = { name: vName, value: kindFlag ? BigInt.asIntN(64, u) : u };
      }
      return { kind, id, name, size: sizeOrType, signed: kindFlag, values };
    }
    case BtfKind.FWD:
      return { kind, id, name, isUnion: kindFlag };
    case BtfKind.FUNC:
      return { kind, id, name, type: sizeOrType, linkage: vlen as BtfLinkage };
    case BtfKind.FUNC_PROTO: {
      c.need(vlen * 8, `func_proto ${id} params`);
      const params = new Array(vlen);
      for (let i = 0; i < vlen; i++) params[i] = { name: str(c.u32()), type: c.u32() };
      return { kind, id, name, returnType: sizeOrType, params };
    }
    case BtfKind.VAR:
      return { kind, id, name, type: sizeOrType, linkage: c.u32('var.linkage') as BtfLinkage };
    case BtfKind.DATASEC: {
      c.need(vlen * 12, `datasec ${name} vars`);
      const vars = new Array(vlen);
      for (let i = 0; i < vlen; i++) vars[i] = { type: c.u32(), offset: c.u32(), size: c.u32() };
      return { kind, id, name, size: sizeOrType, vars };
    }
    case BtfKind.FLOAT:
      return { kind, id, name, size: sizeOrType };
    case BtfKind.DECL_TAG:
      return { kind, id, name, type: sizeOrType, componentIdx: c.i32('decl_tag.component_idx') };
    default:
      throw new BtfError('E_KIND', `type ${id}: unknown kind ${kind}`, at);
  }
}

/** Every type id a type refers to. */
export function referencedIds(t: BtfType): number[] {
  switch (t.kind) {
    case BtfKind.PTR:
    case BtfKind.TYPEDEF:
    case BtfKind.VOLATILE:
    case BtfKind.CONST:
    case BtfKind.RESTRICT:
    case BtfKind.TYPE_TAG:
    case BtfKind.FUNC:
    case BtfKind.VAR:
    case BtfKind.DECL_TAG:
      return [t.type];
    case BtfKind.ARRAY:
      return [t.type, t.indexType];
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return t.members.map((m) => m.type);
    case BtfKind.FUNC_PROTO:
      return [t.returnType, ...t.params.map((p) => p.type)];
    case BtfKind.DATASEC:
      return t.vars.map((v) => v.type);
    default:
      return [];
  }
}

function checkReferences(types: readonly BtfType[]): void {
  for (const t of types) {
    for (const ref of referencedIds(t)) {
      if (ref >= types.length) throw new BtfError('E_TYPE_ID', `type ${t.id} (${BtfKind[t.kind]} ${t.name}) refers to missing type ${ref}`);
    }
  }
}
