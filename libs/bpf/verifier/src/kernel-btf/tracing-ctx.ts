import { BpfProgType } from '@bpfleet/elf';
import type { KernelArg, KernelBtfExtract } from './extract.js';

/** `enum bpf_attach_type` values that select a BTF-typed context. */
const TRACE_RAW_TP = 23;
const TRACE_FENTRY = 24;
const TRACE_FEXIT = 25;
const MODIFY_RETURN = 26;
const LSM_MAC = 27;

/** A BTF-typed tracing context: the u64 argument slots of the attach target's prototype. */
export interface TracingCtx {
  /** The prototype's name as the kernel logs it (`btf_trace_sched_switch`, `bpf_lsm_file_open`). */
  readonly name: string;
  readonly args: readonly KernelArg[];
  /** LSM hooks (and fexit) may also read the return value in the slot after the arguments. */
  readonly ret: KernelArg | null;
}

/**
 * The context of tp_btf and LSM programs from a kernel BTF extract, or null when the target is not
 * in it (then the context is read as untyped u64 slots).
 */
export function tracingCtx(extract: KernelBtfExtract | null, type: number, attach: number, target: string | undefined): TracingCtx | null {
  if (!extract || !target) return null;
  if (type === BpfProgType.TRACING && attach === TRACE_RAW_TP) {
    const args = extract.tracepoints[target];
    return args ? { name: `btf_trace_${target}`, args, ret: null } : null;
  }
  if (type === BpfProgType.TRACING && (attach === TRACE_FENTRY || attach === TRACE_FEXIT || attach === MODIFY_RETURN)) {
    const all = extract.functions?.[target];
    if (!all) return null;
    // fexit and fmod_ret also see the return value, in the slot after the arguments.
    return { name: target, args: all.slice(0, -1), ret: attach === TRACE_FENTRY ? null : all[all.length - 1]! };
  }
  if (type === BpfProgType.LSM && attach === LSM_MAC) {
    const all = extract.lsmHooks[target];
    return all ? { name: `bpf_lsm_${target}`, args: all.slice(0, -1), ret: all[all.length - 1]! } : null;
  }
  return null;
}

export type TracingAccess = { readonly ok: true; readonly btfName: string | null } | { readonly ok: false; readonly why: string };

/** btf_ctx_access: what reading `size` bytes at `off` of a typed tracing context yields. */
export function tracingCtxAccess(ctx: TracingCtx, off: number, size: number): TracingAccess {
  if (off % 8 !== 0) return { ok: false, why: `func '${ctx.name}' offset ${off} is not multiple of 8` };
  const arg = off / 8;
  let t: KernelArg | undefined = ctx.args[arg];
  if (arg === ctx.args.length && ctx.ret !== null) t = ctx.ret === 'v' ? 's' : ctx.ret;
  if (t === undefined) return { ok: false, why: `func '${ctx.name}' doesn't have ${arg + 1}-th argument` };
  if (t === 's') return { ok: true, btfName: null };
  if (t === 'x') return { ok: false, why: `func '${ctx.name}' arg${arg} type PTR is not a struct` };
  if (size !== 8) return { ok: false, why: `func '${ctx.name}' arg${arg} size ${size} is not 8` };
  return { ok: true, btfName: t };
}
