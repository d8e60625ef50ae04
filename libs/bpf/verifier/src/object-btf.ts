import { type Btf, BtfKind, BtfLinkage, parseBtf } from '@bpfleet/btf';
import { type BpfMapSpec, type BpfObject, type BpfProgramSpec, BpfProgType } from '@bpfleet/elf';

/** Parsed BTF per object: every program of an object is verified against the same types. */
const btfCache = new WeakMap<BpfObject, Btf | null>();

/** What the verifier reads from an object's own BTF. Invalid BTF counts as none. */
export function parseObjectBtf(object: BpfObject): Btf | null {
  const cached = btfCache.get(object);
  if (cached !== undefined) return cached;
  let btf: Btf | null = null;
  if (object.btfBytes) {
    try {
      btf = parseBtf(object.btfBytes);
    } catch {
      btf = null;
    }
  }
  btfCache.set(object, btf);
  return btf;
}

function typeOrNull(btf: Btf, id: number): ReturnType<Btf['type']> | null {
  try {
    return btf.resolve(id);
  } catch {
    return null;
  }
}

/**
 * The first instructions of a program's global subprograms, from `.BTF.ext` func info and the FUNC
 * linkage. Without BTF every subprogram counts as static.
 */
export function globalFunctionStarts(btf: Btf | null, program: BpfProgramSpec): number[] {
  if (!btf) return [];
  const starts: number[] = [];
  for (const fi of program.funcInfo) {
    if (fi.insn === 0) continue;
    const t = typeOrNull(btf, fi.btfTypeId);
    if (t?.kind === BtfKind.FUNC && t.linkage === BtfLinkage.GLOBAL) starts.push(fi.insn);
  }
  return starts;
}

/** Size of `struct bpf_spin_lock`. */
export const SPIN_LOCK_SIZE = 4;

/**
 * Per map, the byte offset of the `struct bpf_spin_lock` member of its value (btf_parse_fields,
 * top-level members), or -1.
 */
export function spinLockOffsets(btf: Btf | null, maps: readonly BpfMapSpec[]): number[] {
  return maps.map((m) => {
    if (!btf || !m.btfValueTypeId) return -1;
    const value = typeOrNull(btf, m.btfValueTypeId);
    if (value?.kind !== BtfKind.STRUCT) return -1;
    for (const member of value.members) {
      const t = typeOrNull(btf, member.type);
      if (t?.kind === BtfKind.STRUCT && t.name === 'bpf_spin_lock') return member.bitOffset / 8;
    }
    return -1;
  });
}

/** How a global function's argument is typed from its BTF prototype (btf_prepare_func_args). */
export type GlobalArg =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'ctx' }
  /** A pointer to a sized type: PTR_TO_MEM of `size` bytes, NULL allowed unless tagged `arg:nonnull`. */
  | { readonly kind: 'mem'; readonly size: number; readonly nonNull?: boolean };

/** A global (BTF_FUNC_GLOBAL) subprogram as the kernel sees it: verified once, alone, from its prototype. */
export interface GlobalFuncSignature {
  /** First instruction. */
  readonly start: number;
  readonly name: string;
  readonly args: readonly GlobalArg[];
  /** Why the prototype cannot be used (the kernel's message), or null. */
  readonly unsupported: string | null;
  /**
   * The same prototype read with its `arg:ctx` / `arg:nonnull` decl tags (`__arg_ctx`,
   * `__arg_nonnull`), which kernels honour from 6.8; absent when no parameter is tagged.
   */
  readonly tagged?: { readonly args: readonly GlobalArg[]; readonly unsupported: string | null };
}

/** bpf_ctx_convert: the user-visible context struct of each program type. */
const CTX_STRUCT: Partial<Record<BpfProgType, readonly string[]>> = {
  [BpfProgType.SOCKET_FILTER]: ['__sk_buff'],
  [BpfProgType.SCHED_CLS]: ['__sk_buff'],
  [BpfProgType.SCHED_ACT]: ['__sk_buff'],
  [BpfProgType.CGROUP_SKB]: ['__sk_buff'],
  [BpfProgType.LWT_IN]: ['__sk_buff'],
  [BpfProgType.LWT_OUT]: ['__sk_buff'],
  [BpfProgType.LWT_XMIT]: ['__sk_buff'],
  [BpfProgType.LWT_SEG6LOCAL]: ['__sk_buff'],
  [BpfProgType.SK_SKB]: ['__sk_buff'],
  [BpfProgType.FLOW_DISSECTOR]: ['__sk_buff'],
  [BpfProgType.XDP]: ['xdp_md'],
  [BpfProgType.KPROBE]: ['bpf_user_pt_regs_t', 'pt_regs'],
  [BpfProgType.PERF_EVENT]: ['bpf_perf_event_data'],
  [BpfProgType.RAW_TRACEPOINT]: ['bpf_raw_tracepoint_args'],
  [BpfProgType.CGROUP_SOCK]: ['bpf_sock'],
  [BpfProgType.SOCK_OPS]: ['bpf_sock_ops'],
  [BpfProgType.CGROUP_SOCK_ADDR]: ['bpf_sock_addr'],
  [BpfProgType.SK_MSG]: ['sk_msg_md'],
  [BpfProgType.CGROUP_SYSCTL]: ['bpf_sysctl'],
  [BpfProgType.CGROUP_SOCKOPT]: ['bpf_sockopt'],
  [BpfProgType.SK_LOOKUP]: ['bpf_sk_lookup'],
  [BpfProgType.SK_REUSEPORT]: ['sk_reuseport_md'],
};

function skipModifiers(btf: Btf, id: number): { type: ReturnType<Btf['type']>; names: string[] } {
  const names: string[] = [];
  let t = btf.type(id);
  for (let depth = 0; depth < 32 && (t.kind === BtfKind.TYPEDEF || t.kind === BtfKind.CONST || t.kind === BtfKind.VOLATILE || t.kind === BtfKind.RESTRICT || t.kind === BtfKind.TYPE_TAG); depth++) {
    if (t.kind === BtfKind.TYPEDEF) names.push(t.name);
    t = btf.type(t.type);
  }
  return { type: t, names };
}

function prepareArg(btf: Btf, typeId: number, progType: BpfProgType, i: number, fname: string, tags: ReadonlySet<string>): GlobalArg | string {
  const { type: t } = skipModifiers(btf, typeId);
  if (t.kind === BtfKind.INT || t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64) return { kind: 'scalar' };
  if (t.kind !== BtfKind.PTR) return `Arg#${i} type ${BtfKind[t.kind]} in ${fname}() is not supported yet.`;
  if (tags.has('arg:ctx')) return { kind: 'ctx' };
  const target = skipModifiers(btf, t.type);
  const ctxNames = CTX_STRUCT[progType] ?? [];
  if (target.names.some((n) => ctxNames.includes(n)) || ((target.type.kind === BtfKind.STRUCT || target.type.kind === BtfKind.UNION) && ctxNames.includes(target.type.name))) {
    return { kind: 'ctx' };
  }
  try {
    const size = btf.sizeOf(t.type);
    if (size > 0) return tags.has('arg:nonnull') ? { kind: 'mem', size, nonNull: true } : { kind: 'mem', size };
  } catch {
    // void, forward declarations and functions have no size.
  }
  return `arg#${i} reference type('${BtfKind[target.type.kind]} ${target.type.name}') size cannot be determined: -22`;
}

/**
 * The global subprograms of a program with their argument types from the BTF prototype: scalars for
 * integers and enums, the context for a pointer to the program type's context struct, maybe-NULL
 * memory for pointers to sized types (btf_prepare_func_args).
 */
export function globalFunctionSignatures(btf: Btf | null, program: BpfProgramSpec): GlobalFuncSignature[] {
  if (!btf) return [];
  const out: GlobalFuncSignature[] = [];
  for (const fi of program.funcInfo) {
    if (fi.insn === 0) continue;
    const f = typeOrNull(btf, fi.btfTypeId);
    if (f?.kind !== BtfKind.FUNC || f.linkage !== BtfLinkage.GLOBAL) continue;
    const proto = typeOrNull(btf, f.type);
    if (proto?.kind !== BtfKind.FUNC_PROTO) continue;
    // Decl tags on the parameters: `arg:ctx`, `arg:nonnull` (component index = parameter).
    const tags = proto.params.map(() => new Set<string>());
    for (const id of btf.findAllByName('arg:ctx', BtfKind.DECL_TAG).concat(btf.findAllByName('arg:nonnull', BtfKind.DECL_TAG))) {
      const tag = btf.type(id);
      if (tag.kind === BtfKind.DECL_TAG && tag.type === fi.btfTypeId && tag.componentIdx >= 0) tags[tag.componentIdx]?.add(tag.name);
    }
    const prepare = (withTags: boolean): { args: GlobalArg[]; unsupported: string | null } => {
      const args: GlobalArg[] = [];
      let unsupported: string | null = null;
      if (proto.params.length > 5) unsupported = `Global function ${f.name}() with ${proto.params.length} > 5 args. Only those are supported.`;
      for (let i = 0; i < proto.params.length && !unsupported; i++) {
        let a: GlobalArg | string;
        try {
          a = prepareArg(btf, proto.params[i]!.type, program.type, i, f.name, withTags ? tags[i]! : new Set());
        } catch {
          a = `arg#${i} has an invalid type`;
        }
        if (typeof a === 'string') unsupported = a;
        else args.push(a);
      }
      return { args, unsupported };
    };
    const plain = prepare(false);
    const anyTag = tags.some((t) => t.size > 0);
    out.push({ start: fi.insn, name: f.name, ...plain, ...(anyTag && { tagged: prepare(true) }) });
  }
  return out;
}

/** `enum bpf_core_relo_kind` BPF_CORE_FIELD_BYTE_OFFSET. */
const CORE_FIELD_BYTE_OFFSET = 0;

/**
 * For loads the loader relocates with CO-RE (`preserve_access_index` field accesses): per
 * instruction, the kernel struct the loaded field points to (a `ptr_<struct>` once loaded, as the
 * kernel's btf_struct_access gives), or null when the field is not a pointer to a struct. The local
 * type stands for the kernel's one: CO-RE matches them by name (a `___flavor` suffix is dropped).
 */
export function coreFieldTypes(btf: Btf | null, program: BpfProgramSpec): Map<number, string | null> {
  const out = new Map<number, string | null>();
  if (!btf) return out;
  for (const relo of program.coreRelocations) {
    if (relo.kind !== CORE_FIELD_BYTE_OFFSET) continue;
    try {
      let t = skipModifiers(btf, relo.typeId).type;
      const path = relo.accessString.split(':').map(Number);
      for (const idx of path.slice(1)) {
        if (t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION) {
          const m = t.members[idx];
          if (!m) throw new Error('bad member index');
          t = skipModifiers(btf, m.type).type;
        } else if (t.kind === BtfKind.ARRAY) {
          t = skipModifiers(btf, t.type).type;
        } else {
          throw new Error('not a struct, union or array');
        }
      }
      let name: string | null = null;
      if (t.kind === BtfKind.PTR) {
        const target = skipModifiers(btf, t.type).type;
        if ((target.kind === BtfKind.STRUCT || target.kind === BtfKind.UNION || target.kind === BtfKind.FWD) && target.name) {
          const flavor = target.name.indexOf('___');
          name = flavor > 0 ? target.name.slice(0, flavor) : target.name;
        }
      }
      out.set(relo.insn, name);
    } catch {
      // A relocation that does not resolve locally is libbpf's to refuse; type nothing for it.
    }
  }
  return out;
}
