import { libbpf } from '../native/libbpf.js';
import type { NativePointer } from '../native/koffi.js';
import { sizeOf } from '../native/structs.js';
import type { KernelProgram } from '../program.js';
import { attachWith, type LibbpfLink } from './libbpf-link.js';

export interface UprobeOptions {
  /** Path of the executable or shared library. */
  readonly binary: string;
  /** Function to probe; libbpf resolves it in the ELF's symbol tables (libbpf >= 1.0). */
  readonly symbol?: string;
  /** Offset from the symbol (or from the file start when no symbol). */
  readonly offset?: number;
  /** Only this process (-1: every process). */
  readonly pid?: number;
  readonly retprobe?: boolean;
  readonly cookie?: bigint;
}

/** Attaches a uprobe/uretprobe to `binary` at `symbol`+`offset`. */
export function attachUprobe(program: KernelProgram, options: UprobeOptions): LibbpfLink {
  const prog = program.requireNative('attach uprobe');
  const opts = {
    sz: sizeOf('bpf_uprobe_opts'),
    ref_ctr_offset: 0,
    bpf_cookie: options.cookie ?? 0n,
    retprobe: options.retprobe ?? false,
    func_name: options.symbol ?? null,
  };
  const target = `${options.binary}:${options.symbol ?? ''}${options.offset ? `+${options.offset}` : ''}`;
  return attachWith(program, options.retprobe ? 'uretprobe' : 'uprobe', target, 'bpf_program__attach_uprobe_opts', () =>
    libbpf().bpf_program__attach_uprobe_opts(prog, options.pid ?? -1, options.binary, options.offset ?? 0, opts) as NativePointer | null,
  );
}
