import type { Btf } from './btf.js';
import { ByteCursor } from './cursor.js';
import { BtfError } from './errors.js';
import { BTF_MAGIC } from './parse.js';

/** One `bpf_func_info` record; `insnOff` is a byte offset within its ELF section. */
export interface BtfExtFuncInfo {
  readonly insnOff: number;
  readonly typeId: number;
}

/** One `bpf_line_info` record with its strings resolved. */
export interface BtfExtLineInfo {
  readonly insnOff: number;
  readonly fileName: string;
  readonly lineText: string;
  readonly line: number;
  readonly column: number;
}

/** One `bpf_core_relo` record with its access string resolved (`0:1:2`). */
export interface BtfExtCoreRelo {
  readonly insnOff: number;
  readonly typeId: number;
  readonly accessString: string;
  readonly kind: BpfCoreReloKind;
}

/** `enum bpf_core_relo_kind`. */
export enum BpfCoreReloKind {
  FIELD_BYTE_OFFSET = 0,
  FIELD_BYTE_SIZE = 1,
  FIELD_EXISTS = 2,
  FIELD_SIGNED = 3,
  FIELD_LSHIFT_U64 = 4,
  FIELD_RSHIFT_U64 = 5,
  TYPE_ID_LOCAL = 6,
  TYPE_ID_TARGET = 7,
  TYPE_EXISTS = 8,
  TYPE_SIZE = 9,
  ENUMVAL_EXISTS = 10,
  ENUMVAL_VALUE = 11,
  TYPE_MATCHES = 12,
}

/** The parsed `.BTF.ext` section: records grouped by the ELF section name they apply to. */
export interface BtfExt {
  readonly funcInfo: ReadonlyMap<string, readonly BtfExtFuncInfo[]>;
  readonly lineInfo: ReadonlyMap<string, readonly BtfExtLineInfo[]>;
  readonly coreRelos: ReadonlyMap<string, readonly BtfExtCoreRelo[]>;
}

const MAX_REC_SIZE = 256;

/**
 * Parses `.BTF.ext`. String offsets in it point into the `.BTF` string section, hence `btf`.
 * Throws `BtfError('E_EXT' | 'E_TRUNCATED' | 'E_STRING')` on malformed input.
 */
export function parseBtfExt(bytes: Uint8Array, btf: Btf): BtfExt {
  const c = new ByteCursor(bytes);
  const magic = c.u16('btf_ext magic');
  if (magic !== BTF_MAGIC) throw new BtfError('E_MAGIC', `bad BTF.ext magic 0x${magic.toString(16)}`, 0);
  const version = c.u8('btf_ext version');
  if (version !== 1) throw new BtfError('E_VERSION', `unsupported BTF.ext version ${version}`, 2);
  c.u8('btf_ext flags');
  const hdrLen = c.u32('btf_ext hdr_len');
  if (hdrLen < 24 || hdrLen > bytes.length) throw new BtfError('E_EXT', `BTF.ext header length ${hdrLen} outside 24..${bytes.length}`, 4);
  const funcOff = c.u32();
  const funcLen = c.u32();
  const lineOff = c.u32();
  const lineLen = c.u32();
  let coreOff = 0;
  let coreLen = 0;
  if (hdrLen >= 32) {
    coreOff = c.u32();
    coreLen = c.u32();
  }
  const sub = (off: number, len: number, what: string): ByteCursor | undefined => {
    if (len === 0) return undefined;
    const start = hdrLen + off;
    if (start + len > bytes.length) throw new BtfError('E_EXT', `${what} (${off}+${len}) exceeds the section`, 8);
    return new ByteCursor(bytes.subarray(start, start + len), start);
  };
  const str = (o: number): string => btf.stringAt(o);
  return {
    funcInfo: readInfo(sub(funcOff, funcLen, 'func_info'), 8, 'func_info', str, (r) => ({ insnOff: r.u32(), typeId: r.u32() })),
    lineInfo: readInfo(sub(lineOff, lineLen, 'line_info'), 16, 'line_info', str, (r) => {
      const insnOff = r.u32();
      const fileName = str(r.u32());
      const lineText = str(r.u32());
      const lineCol = r.u32();
      return { insnOff, fileName, lineText, line: lineCol >>> 10, column: lineCol & 0x3ff };
    }),
    coreRelos: readInfo(sub(coreOff, coreLen, 'core_relo'), 16, 'core_relo', str, (r) => ({
      insnOff: r.u32(),
      typeId: r.u32(),
      accessString: str(r.u32()),
      kind: r.u32() as BpfCoreReloKind,
    })),
  };
}

/** Reads `rec_size`, then blocks of {sec_name_off, num_info, records[num_info]}. */
function readInfo<T>(c: ByteCursor | undefined, minRecSize: number, what: string, str: (o: number) => string, read: (r: ByteCursor) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  if (!c) return out;
  const recSize = c.u32(`${what} rec_size`);
  if (recSize < minRecSize || recSize > MAX_REC_SIZE || recSize % 4 !== 0) throw new BtfError('E_EXT', `${what} record size ${recSize} invalid (min ${minRecSize})`, c.offset);
  while (c.remaining > 0) {
    const secName = str(c.u32(`${what} sec_name_off`));
    const count = c.u32(`${what} num_info`);
    if (count === 0) throw new BtfError('E_EXT', `${what} block for ${secName} has no records`, c.offset);
    c.need(count * recSize, `${what} records for ${secName}`);
    const list = out.get(secName) ?? [];
    for (let i = 0; i < count; i++) list.push(read(c.slice(recSize, `${what} record`)));
    out.set(secName, list);
  }
  return out;
}
