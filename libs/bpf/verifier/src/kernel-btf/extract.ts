import { type Btf, BtfKind, type BtfType, parseBtf } from '@bpfleet/btf';

/**
 * How a BTF-typed tracing context argument reads (btf_ctx_access): `s` a scalar (integers, enums,
 * `void *` and pointers to integers), `x` not readable (pointers to anything else that is not a
 * struct), otherwise the name of the struct or union it points to (PTR_TO_BTF_ID).
 */
export type KernelArg = string;

/**
 * The part of a kernel's BTF the verifier needs for BTF-typed programs: raw tracepoint prototypes
 * (tp_btf), LSM hook prototypes and the sizes of the structs they point to. Small enough to ship with
 * a kernel profile; `extractKernelBtf` builds one from any vmlinux BTF.
 */
export interface KernelBtfExtract {
  readonly kernelRelease: string;
  /** `btf_trace_<name>` prototypes without their leading `void *__data`. */
  readonly tracepoints: Readonly<Record<string, readonly KernelArg[]>>;
  /** `bpf_lsm_<hook>` prototypes, the return type last (`s`, or `v` for void). */
  readonly lsmHooks: Readonly<Record<string, readonly KernelArg[]>>;
  readonly structSizes: Readonly<Record<string, number>>;
  /**
   * Kernel variables in BTF (typed `__ksym` externs) with their size, or -1 when kallsyms cannot
   * resolve them (kernels built without CONFIG_KALLSYMS_ALL list no data symbols), which the
   * verifier refuses when the program loads the symbol's address.
   */
  readonly ksymVars: Readonly<Record<string, number>>;
  /**
   * Kernel function prototypes for fentry/fexit/fmod_ret, the return type last (`s`, `v` or a
   * struct). Only in extracts made from a host's full BTF (too many to ship with a profile).
   */
  readonly functions?: Readonly<Record<string, readonly KernelArg[]>>;
}

function skipMods(btf: Btf, id: number): BtfType {
  let t = btf.type(id);
  for (let d = 0; d < 32 && (t.kind === BtfKind.TYPEDEF || t.kind === BtfKind.CONST || t.kind === BtfKind.VOLATILE || t.kind === BtfKind.RESTRICT || t.kind === BtfKind.TYPE_TAG); d++) {
    t = btf.type(t.type);
  }
  return t;
}

function argOf(btf: Btf, id: number, sizes: Record<string, number>): KernelArg {
  const t = skipMods(btf, id);
  if (t.kind === BtfKind.INT || t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64) return 's';
  if (t.kind !== BtfKind.PTR) return 'x';
  if (t.type === 0) return 's';
  const target = skipMods(btf, t.type);
  if (target.kind === BtfKind.INT || target.kind === BtfKind.ENUM || target.kind === BtfKind.ENUM64) return 's';
  if ((target.kind === BtfKind.STRUCT || target.kind === BtfKind.UNION) && target.name) {
    sizes[target.name] = target.size;
    return target.name;
  }
  if (target.kind === BtfKind.FWD && target.name) return target.name;
  return 'x';
}

function protoArgs(btf: Btf, protoId: number, sizes: Record<string, number>, skipFirst: boolean, withReturn: boolean): KernelArg[] | null {
  const proto = skipMods(btf, protoId);
  if (proto.kind !== BtfKind.FUNC_PROTO) return null;
  const params = proto.params.filter((p) => p.type !== 0).slice(skipFirst ? 1 : 0);
  const args = params.map((p) => argOf(btf, p.type, sizes));
  if (withReturn) args.push(proto.returnType === 0 ? 'v' : argOf(btf, proto.returnType, sizes));
  return args;
}

/** Collects tracepoint and LSM hook prototypes from a vmlinux BTF. */
export function extractKernelBtf(btf: Btf, kernelRelease: string, kallsyms?: ReadonlySet<string>, withFunctions = false): KernelBtfExtract {
  const ksymVars: Record<string, number> = {};
  const functions: Record<string, KernelArg[]> = {};
  const tracepoints: Record<string, KernelArg[]> = {};
  const lsmHooks: Record<string, KernelArg[]> = {};
  const structSizes: Record<string, number> = {};
  for (const t of btf.types) {
    if (t.kind === BtfKind.TYPEDEF && t.name.startsWith('btf_trace_')) {
      const ptr = btf.type(t.type);
      if (ptr.kind !== BtfKind.PTR) continue;
      const args = protoArgs(btf, ptr.type, structSizes, true, false);
      if (args) tracepoints[t.name.slice('btf_trace_'.length)] = args;
    } else if (t.kind === BtfKind.VAR && t.name) {
      let size = -1;
      try {
        size = btf.sizeOf(t.type);
      } catch {
        // A variable of unsized type cannot be loaded from anyway.
      }
      ksymVars[t.name] = !kallsyms || kallsyms.has(t.name) ? size : -1;
    } else if (t.kind === BtfKind.FUNC && t.name.startsWith('bpf_lsm_')) {
      const args = protoArgs(btf, t.type, structSizes, false, true);
      if (args) lsmHooks[t.name.slice('bpf_lsm_'.length)] = args;
      if (args && withFunctions) functions[t.name] = args;
    } else if (t.kind === BtfKind.FUNC && withFunctions) {
      const args = protoArgs(btf, t.type, structSizes, false, true);
      if (args) functions[t.name] = args;
    }
  }
  return { kernelRelease, tracepoints, lsmHooks, structSizes, ksymVars, ...(withFunctions && { functions }) };
}

/** Thrown when a kernel BTF file cannot be parsed. */
export class KernelBtfError extends Error {
  readonly code = 'EBPF_KERNEL_BTF';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KernelBtfError';
  }
}

/** An extract, with function prototypes, from raw vmlinux BTF bytes (`/sys/kernel/btf/vmlinux` of the target hosts). */
export function kernelBtfFromBytes(bytes: Uint8Array, kernelRelease: string, kallsyms?: ReadonlySet<string>): KernelBtfExtract {
  let btf: Btf;
  try {
    btf = parseBtf(bytes);
  } catch (e) {
    throw new KernelBtfError(`not a kernel BTF file: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return extractKernelBtf(btf, kernelRelease, kallsyms, true);
}
