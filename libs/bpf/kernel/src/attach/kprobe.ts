import { libbpf } from '../native/libbpf.js';
import type { NativePointer } from '../native/koffi.js';
import { sizeOf } from '../native/structs.js';
import type { KernelProgram } from '../program.js';
import { attachWith, type LibbpfLink } from './libbpf-link.js';

export interface KprobeOptions {
  readonly retprobe?: boolean;
  /** Offset into the function. */
  readonly offset?: number;
  readonly cookie?: bigint;
}

/**
 * Attaches a kprobe/kretprobe to a kernel function. Needs CONFIG_KPROBE_EVENTS (a `kprobe` PMU or
 * tracefs kprobe_events); without it libbpf fails with ENOENT/EOPNOTSUPP.
 */
export function attachKprobe(program: KernelProgram, func: string, options: KprobeOptions = {}): LibbpfLink {
  const prog = program.requireNative('attach kprobe');
  const opts = { sz: sizeOf('bpf_kprobe_opts'), bpf_cookie: options.cookie ?? 0n, offset: options.offset ?? 0, retprobe: options.retprobe ?? false };
  return attachWith(program, options.retprobe ? 'kretprobe' : 'kprobe', func, 'bpf_program__attach_kprobe_opts', () =>
    libbpf().bpf_program__attach_kprobe_opts(prog, func, opts) as NativePointer | null,
  );
}
