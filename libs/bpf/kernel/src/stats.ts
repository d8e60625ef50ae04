import { libbpf } from './native/libbpf.js';
import { libc } from './native/libc.js';
import { KernelError } from './errors.js';

const BPF_STATS_RUN_TIME = 0;

/** Kernel-wide program run counters, on while this handle is open. */
export interface RunStats {
  close(): void;
}

/**
 * Turns on run count and run time accounting for every program (`ProgramInfo.runCount/runTimeNs`)
 * until close(), via BPF_ENABLE_STATS (5.8+). Accounting costs a little per run, so it is opt-in.
 */
export function enableRunStats(): RunStats {
  const fd = libbpf().bpf_enable_stats(BPF_STATS_RUN_TIME) as number;
  if (fd < 0) throw KernelError.fromErrno('bpf_enable_stats', fd);
  let open = true;
  return {
    close: () => {
      if (open) libc().close(fd);
      open = false;
    },
  };
}
