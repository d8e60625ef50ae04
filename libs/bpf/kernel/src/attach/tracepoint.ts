import { libbpf } from '../native/libbpf.js';
import type { NativePointer } from '../native/koffi.js';
import { sizeOf } from '../native/structs.js';
import { KernelError } from '../errors.js';
import type { KernelProgram } from '../program.js';
import { attachWith, type LibbpfLink } from './libbpf-link.js';

/**
 * Attaches to a tracepoint (`syscalls/sys_enter_openat`). Needs tracefs (mounted by probeKernel when
 * missing). Errors: KernelAttachError (ENOENT unknown tracepoint, EACCES/EPERM no privilege).
 */
export function attachTracepoint(program: KernelProgram, target: string, cookie = 0n): LibbpfLink {
  const slash = target.indexOf('/');
  if (slash <= 0 || slash === target.length - 1) throw new KernelError(`tracepoint must be category/name, got ${target}`, 'attach', 22);
  const prog = program.requireNative('attach tracepoint');
  const opts = { sz: sizeOf('bpf_tracepoint_opts'), bpf_cookie: cookie };
  return attachWith(program, 'tracepoint', target, 'bpf_program__attach_tracepoint_opts', () =>
    libbpf().bpf_program__attach_tracepoint_opts(prog, target.slice(0, slash), target.slice(slash + 1), opts) as NativePointer | null,
  );
}

/** Attaches to a raw tracepoint (`sys_enter`). */
export function attachRawTracepoint(program: KernelProgram, name: string): LibbpfLink {
  const prog = program.requireNative('attach raw tracepoint');
  return attachWith(program, 'raw_tracepoint', name, 'bpf_program__attach_raw_tracepoint', () =>
    libbpf().bpf_program__attach_raw_tracepoint(prog, name) as NativePointer | null,
  );
}

/** Attaches a tracing program (tp_btf, fentry/fexit, fmod_ret) to the target fixed at load. */
export function attachTracing(program: KernelProgram): LibbpfLink {
  const prog = program.requireNative('attach tracing');
  return attachWith(program, 'tracing', program.section, 'bpf_program__attach_trace', () => libbpf().bpf_program__attach_trace(prog) as NativePointer | null);
}

/** libbpf's own attach by section name (tracepoint/, raw_tp/, tp_btf/, kprobe/, uprobe/ with a path, lsm/, ...). */
export function attachBySection(program: KernelProgram): LibbpfLink {
  const prog = program.requireNative('attach');
  return attachWith(program, 'section', program.section, 'bpf_program__attach', () => libbpf().bpf_program__attach(prog) as NativePointer | null);
}
