import { libbpf } from './native/libbpf.js';
import { sizeOf } from './native/structs.js';
import { KernelError } from './errors.js';

export interface TestRunOptions {
  /** Packet bytes (skb/xdp programs) or nothing. */
  readonly data?: Uint8Array;
  /** Context bytes (e.g. `struct __sk_buff`, `struct xdp_md`, raw_tp args). */
  readonly ctx?: Uint8Array;
  /**
   * Runs; the kernel reports the average time per run. Default 1. 0 is the kernel's "no repeat",
   * which raw_tp and syscall programs require (they run once and report no duration).
   */
  readonly repeat?: number;
  /** Room for the output packet (default data length + 4096). */
  readonly dataSizeOut?: number;
  /** Room for the output context (default ctx length). */
  readonly ctxSizeOut?: number;
  /** `BPF_F_TEST_RUN_ON_CPU` etc. */
  readonly flags?: number;
  readonly cpu?: number;
}

export interface TestRunResult {
  /** R0 when the program returned. */
  readonly retval: number;
  readonly dataOut: Uint8Array;
  readonly ctxOut: Uint8Array;
  readonly runs: number;
  /** Average nanoseconds per run, as the kernel measured it. */
  readonly nsPerRun: number;
}

const MAX_REPEAT = 0x7fffffff;

/** BPF_PROG_TEST_RUN on a loaded program fd (bpf_prog_test_run_opts). */
export function testRunFd(fd: number, options: TestRunOptions = {}): TestRunResult {
  const repeat = options.repeat ?? 1;
  if (!Number.isInteger(repeat) || repeat < 0 || repeat > MAX_REPEAT) {
    throw new KernelError(`test run: repeat must be an integer in 0..${MAX_REPEAT}, got ${repeat}`, 'bpf_prog_test_run_opts', 22);
  }
  const data = options.data;
  const ctx = options.ctx;
  const dataOutSize = options.dataSizeOut ?? (data ? data.length + 4096 : 0);
  const ctxOutSize = options.ctxSizeOut ?? (ctx ? ctx.length : 0);
  const dataOut = dataOutSize > 0 ? Buffer.alloc(dataOutSize) : null;
  const ctxOut = ctxOutSize > 0 ? Buffer.alloc(ctxOutSize) : null;
  const opts = {
    sz: sizeOf('bpf_test_run_opts'),
    data_in: data && data.length > 0 ? data : null,
    data_out: dataOut,
    data_size_in: data?.length ?? 0,
    data_size_out: dataOutSize,
    ctx_in: ctx && ctx.length > 0 ? ctx : null,
    ctx_out: ctxOut,
    ctx_size_in: ctx?.length ?? 0,
    ctx_size_out: ctxOutSize,
    retval: 0,
    repeat,
    duration: 0,
    flags: options.flags ?? 0,
    cpu: options.cpu ?? 0,
    batch_size: 0,
  };
  const ret = libbpf().bpf_prog_test_run_opts(fd, opts) as number;
  if (ret < 0) throw KernelError.fromErrno('bpf_prog_test_run_opts', ret, `program fd ${fd}`);
  return {
    retval: opts.retval >>> 0,
    dataOut: dataOut ? new Uint8Array(dataOut.buffer, dataOut.byteOffset, Math.min(opts.data_size_out, dataOutSize)) : new Uint8Array(0),
    ctxOut: ctxOut ? new Uint8Array(ctxOut.buffer, ctxOut.byteOffset, Math.min(opts.ctx_size_out, ctxOutSize)) : new Uint8Array(0),
    runs: Math.max(1, repeat),
    nsPerRun: opts.duration,
  };
}
