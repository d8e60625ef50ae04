/** BTF kinds (include/uapi/linux/btf.h `BTF_KIND_*`). */
export enum BtfKind {
  VOID = 0,
  INT = 1,
  PTR = 2,
  ARRAY = 3,
  STRUCT = 4,
  UNION = 5,
  ENUM = 6,
  FWD = 7,
  TYPEDEF = 8,
  VOLATILE = 9,
  CONST = 10,
  RESTRICT = 11,
  FUNC = 12,
  FUNC_PROTO = 13,
  VAR = 14,
  DATASEC = 15,
  FLOAT = 16,
  DECL_TAG = 17,
  TYPE_TAG = 18,
  ENUM64 = 19,
}

/** `BTF_INT_*` encoding bits. */
export const BTF_INT_SIGNED = 1;
export const BTF_INT_CHAR = 2;
export const BTF_INT_BOOL = 4;

/** `enum btf_func_linkage` (FUNC vlen) and `BTF_VAR_*` linkage. */
export enum BtfLinkage {
  STATIC = 0,
  GLOBAL = 1,
  EXTERN = 2,
}

interface Base {
  /** Type id (index in the type table; 0 is void). */
  readonly id: number;
  /** Name ('' for anonymous types). */
  readonly name: string;
}

export interface BtfVoid extends Base {
  readonly kind: BtfKind.VOID;
}
export interface BtfInt extends Base {
  readonly kind: BtfKind.INT;
  readonly size: number;
  /** `BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL`. */
  readonly encoding: number;
  readonly bitOffset: number;
  readonly bits: number;
}
/** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG: a name (maybe empty) and one referenced type. */
export interface BtfRef extends Base {
  readonly kind: BtfKind.PTR | BtfKind.TYPEDEF | BtfKind.VOLATILE | BtfKind.CONST | BtfKind.RESTRICT | BtfKind.TYPE_TAG;
  readonly type: number;
}
export interface BtfArray extends Base {
  readonly kind: BtfKind.ARRAY;
  readonly type: number;
  readonly indexType: number;
  readonly nelems: number;
}
export interface BtfMember {
  readonly name: string;
  readonly type: number;
  /** Offset from the start of the struct in bits. */
  readonly bitOffset: number;
  /** Bitfield width in bits, 0 for a normal member. */
  readonly bitfieldSize: number;
}
export interface BtfComposite extends Base {
  readonly kind: BtfKind.STRUCT | BtfKind.UNION;
  readonly size: number;
  readonly members: readonly BtfMember[];
}
export interface BtfEnumValue {
  readonly name: string;
  /** Values as bigint so ENUM64 and unsigned 32-bit enums are exact. */
  readonly value: bigint;
}
export interface BtfEnum extends Base {
  readonly kind: BtfKind.ENUM | BtfKind.ENUM64;
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly BtfEnumValue[];
}
export interface BtfFwd extends Base {
  readonly kind: BtfKind.FWD;
  readonly isUnion: boolean;
}
export interface BtfFunc extends Base {
  readonly kind: BtfKind.FUNC;
  /** FUNC_PROTO type id. */
  readonly type: number;
  readonly linkage: BtfLinkage;
}
export interface BtfParam {
  readonly name: string;
  /** 0 with an empty name after the last parameter means `...`. */
  readonly type: number;
}
export interface BtfFuncProto extends Base {
  readonly kind: BtfKind.FUNC_PROTO;
  readonly returnType: number;
  readonly params: readonly BtfParam[];
}
export interface BtfVar extends Base {
  readonly kind: BtfKind.VAR;
  readonly type: number;
  readonly linkage: BtfLinkage;
}
export interface BtfVarSecinfo {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}
export interface BtfDatasec extends Base {
  readonly kind: BtfKind.DATASEC;
  readonly size: number;
  readonly vars: readonly BtfVarSecinfo[];
}
export interface BtfFloat extends Base {
  readonly kind: BtfKind.FLOAT;
  readonly size: number;
}
export interface BtfDeclTag extends Base {
  readonly kind: BtfKind.DECL_TAG;
  readonly type: number;
  /** -1: the tag applies to the type itself; otherwise a member/parameter index. */
  readonly componentIdx: number;
}

export type BtfType =
  | BtfVoid
  | BtfInt
  | BtfRef
  | BtfArray
  | BtfComposite
  | BtfEnum
  | BtfFwd
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag;

/** Kinds that only qualify or rename another type (skipped when resolving). */
export function isModifierKind(kind: BtfKind): boolean {
  return kind === BtfKind.TYPEDEF || kind === BtfKind.VOLATILE || kind === BtfKind.CONST || kind === BtfKind.RESTRICT || kind === BtfKind.TYPE_TAG;
}

/** Lower-case kind name as bpftool prints it (`STRUCT` → `struct`). */
export function kindName(kind: BtfKind): string {
  return (BtfKind[kind] ?? 'unknown').toLowerCase();
}
