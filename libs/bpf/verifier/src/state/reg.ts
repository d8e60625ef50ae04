import { type Scalar, isConst, scalarConst, scalarCopy, scalarEquals, scalarUnknown, scalarWithin } from '../scalar/bounds.js';

/** `enum bpf_reg_type` (the base types we model). */
export enum RegType {
  NOT_INIT,
  SCALAR,
  PTR_TO_CTX,
  CONST_PTR_TO_MAP,
  PTR_TO_MAP_VALUE,
  PTR_TO_MAP_KEY,
  PTR_TO_STACK,
  PTR_TO_PACKET_META,
  PTR_TO_PACKET,
  PTR_TO_PACKET_END,
  PTR_TO_MEM,
  PTR_TO_BTF_ID,
  PTR_TO_SOCK_COMMON,
  PTR_TO_FUNC,
}

/** Type flags layered on the base type (PTR_MAYBE_NULL, MEM_RDONLY, MEM_RINGBUF). */
export const PTR_MAYBE_NULL = 1;
export const MEM_RDONLY = 2;
export const MEM_RINGBUF = 4;

/**
 * One register's abstract value (`struct bpf_reg_state`). For pointers, `off` is the fixed offset and
 * `num` describes the variable part; for scalars `num` is the value.
 */
export interface Reg {
  type: RegType;
  flags: number;
  off: number;
  num: Scalar;
  /** Shared by copies of a maybe-null pointer or of a packet pointer (null checks / ranges propagate by id). */
  id: number;
  /** Non-zero when this pointer is an acquired reference that must be released. */
  refObjId: number;
  /** PTR_TO_PACKET: bytes known to be in bounds past `off`. */
  range: number;
  /** Map index (into BpfObject.maps) for map pointers, values and keys. */
  map: number;
  /** PTR_TO_MEM: size of the memory region. */
  memSize: number;
  /** PTR_TO_STACK: frame the pointer points into. */
  frameno: number;
  /** PTR_TO_BTF_ID: the kernel type's name. */
  btfName: string;
  /** PTR_TO_FUNC: first instruction of the subprogram. */
  func: number;
  /** Written on this path since the last checkpoint (the `_w` suffix in the log). */
  written: boolean;
}

export function regNotInit(): Reg {
  return {
    type: RegType.NOT_INIT,
    flags: 0,
    off: 0,
    num: scalarUnknown(),
    id: 0,
    refObjId: 0,
    range: 0,
    map: -1,
    memSize: 0,
    frameno: 0,
    btfName: '',
    func: -1,
    written: false,
  };
}

export function regScalarUnknown(): Reg {
  const r = regNotInit();
  r.type = RegType.SCALAR;
  return r;
}

const immRegs = new Map<bigint, Reg>();

/**
 * A shared, frozen scalar register holding an instruction's immediate: read-only operands of ALU
 * and jump instructions need no fresh register each time (a write to it would throw).
 */
export function immReg(v: bigint): Reg {
  let r = immRegs.get(v);
  if (!r) {
    r = regScalarConst(v);
    Object.freeze(r.num);
    Object.freeze(r);
    if (immRegs.size < 4096) immRegs.set(v, r);
  }
  return r;
}

export function regScalarConst(v: bigint): Reg {
  const r = regNotInit();
  r.type = RegType.SCALAR;
  r.num = scalarConst(v);
  return r;
}

/** A pointer with a known zero variable part. */
export function regPointer(type: RegType, flags = 0): Reg {
  const r = regNotInit();
  r.type = type;
  r.flags = flags;
  r.num = scalarConst(0n);
  return r;
}

export function regCopy(r: Reg): Reg {
  return {
    type: r.type,
    flags: r.flags,
    off: r.off,
    num: scalarCopy(r.num),
    id: r.id,
    refObjId: r.refObjId,
    range: r.range,
    map: r.map,
    memSize: r.memSize,
    frameno: r.frameno,
    btfName: r.btfName,
    func: r.func,
    written: r.written,
  };
}

/** Like regAssign, but `dst` takes `src`'s scalar object (for a `src` nobody else holds). */
export function regMove(dst: Reg, src: Reg): void {
  dst.type = src.type;
  dst.flags = src.flags;
  dst.off = src.off;
  dst.num = src.num;
  dst.id = src.id;
  dst.refObjId = src.refObjId;
  dst.range = src.range;
  dst.map = src.map;
  dst.memSize = src.memSize;
  dst.frameno = src.frameno;
  dst.btfName = src.btfName;
  dst.func = src.func;
  dst.written = src.written;
}

export function regAssign(dst: Reg, src: Reg): void {
  Object.assign(dst, src);
  dst.num = scalarCopy(src.num);
}

export function isPointer(r: Reg): boolean {
  return r.type !== RegType.SCALAR && r.type !== RegType.NOT_INIT;
}

export function isPacketPointer(r: Reg): boolean {
  return r.type === RegType.PTR_TO_PACKET || r.type === RegType.PTR_TO_PACKET_META;
}

export function isConstScalar(r: Reg): boolean {
  return r.type === RegType.SCALAR && isConst(r.num);
}

export function isNullableType(r: Reg): boolean {
  return (r.flags & PTR_MAYBE_NULL) !== 0;
}

/** The kernel's reg_type_str: `map_value_or_null`, `rdonly_mem`, `ringbuf_mem`, `fp`, `pkt`... */
export function regTypeName(type: RegType, flags: number, btfName = ''): string {
  let base: string;
  switch (type) {
    case RegType.NOT_INIT: base = '?'; break;
    case RegType.SCALAR: base = 'scalar'; break;
    case RegType.PTR_TO_CTX: base = 'ctx'; break;
    case RegType.CONST_PTR_TO_MAP: base = 'map_ptr'; break;
    case RegType.PTR_TO_MAP_VALUE: base = 'map_value'; break;
    case RegType.PTR_TO_MAP_KEY: base = 'map_key'; break;
    case RegType.PTR_TO_STACK: base = 'fp'; break;
    case RegType.PTR_TO_PACKET_META: base = 'pkt_meta'; break;
    case RegType.PTR_TO_PACKET: base = 'pkt'; break;
    case RegType.PTR_TO_PACKET_END: base = 'pkt_end'; break;
    case RegType.PTR_TO_MEM: base = 'mem'; break;
    case RegType.PTR_TO_BTF_ID: base = `ptr_${btfName}`; break;
    case RegType.PTR_TO_SOCK_COMMON: base = 'sock_common'; break;
    case RegType.PTR_TO_FUNC: base = 'func'; break;
  }
  let prefix = '';
  if (flags & MEM_RDONLY) prefix += 'rdonly_';
  if (flags & MEM_RINGBUF) prefix += 'ringbuf_';
  return `${prefix}${base}${flags & PTR_MAYBE_NULL ? '_or_null' : ''}`;
}

export function regName(r: Reg): string {
  return regTypeName(r.type, r.flags, r.btfName);
}

/** Mapping of ids in an old state to ids in the current one (check_ids): ids must correspond 1:1. */
export class IdMap {
  private readonly oldToCur = new Map<number, number>();
  private readonly curToOld = new Map<number, number>();

  check(oldId: number, curId: number): boolean {
    if (oldId === 0 && curId === 0) return true;
    if (oldId === 0 || curId === 0) return false;
    const a = this.oldToCur.get(oldId);
    const b = this.curToOld.get(curId);
    if (a === undefined && b === undefined) {
      this.oldToCur.set(oldId, curId);
      this.curToOld.set(curId, oldId);
      return true;
    }
    return a === curId && b === oldId;
  }
}

/**
 * regsafe: is `cur` at least as safe as `old` (everything verified from `old` holds for `cur`)?
 * `exact` demands equal scalars (used for infinite-loop detection). Without `precise`, no decision
 * below the checkpoint depended on a scalar's value, so any scalar is as good as any other.
 */
export function regSafe(old: Reg, cur: Reg, ids: IdMap, exact: boolean, precise = true): boolean {
  if (old.type === RegType.NOT_INIT) return !exact || cur.type === RegType.NOT_INIT;
  if (old.type !== cur.type || old.flags !== cur.flags) return false;
  if (old.type === RegType.SCALAR) {
    if (exact) return scalarEquals(old.num, cur.num);
    if (!precise) return true;
    return scalarWithin(old.num, cur.num);
  }
  if (old.off !== cur.off || old.map !== cur.map || old.memSize !== cur.memSize || old.frameno !== cur.frameno) return false;
  if (old.btfName !== cur.btfName || old.func !== cur.func) return false;
  if (!ids.check(old.id, cur.id) || !ids.check(old.refObjId, cur.refObjId)) return false;
  if (old.type === RegType.PTR_TO_PACKET || old.type === RegType.PTR_TO_PACKET_META) {
    // A larger verified range is fine; the current one must be at least as large.
    if (cur.range < old.range) return false;
  }
  return exact ? scalarEquals(old.num, cur.num) : scalarWithin(old.num, cur.num);
}
