/**
 * BPF run-time statistics (`kernel.bpf_stats_enabled`, or a BPF_ENABLE_STATS fd held by any process,
 * e.g. an agent) add ~50 ns to every kernel program run, which would make the kernel look slower than
 * it is. Benches refuse to time the kernel while the sysctl is on (unless `--allow-bpf-stats`), and
 * check afterwards whether the kernel counted their runs (a BPF_ENABLE_STATS fd does not show in the
 * sysctl), recording both in their JSON.
 */
import { runStatsEnabled } from '@bpfleet/kernel';

export const ALLOW_BPF_STATS = '--allow-bpf-stats';

/** Exits the process when the sysctl is on and the caller did not allow it; returns its value. */
export function refuseBpfStats(argv: readonly string[]): boolean {
  const on = runStatsEnabled();
  if (!on) return false;
  const message = 'kernel.bpf_stats_enabled is 1: every kernel run costs ~50 ns more, kernel times would be inflated';
  if (!argv.includes(ALLOW_BPF_STATS)) {
    console.error(`REFUSED: ${message}. Turn it off (sysctl -w kernel.bpf_stats_enabled=0; stop agents holding BPF_ENABLE_STATS) or pass ${ALLOW_BPF_STATS} to record it anyway.`);
    process.exit(1);
  }
  warnBpfStats(message);
  return true;
}

/** A warning nobody can miss in the bench output. */
export function warnBpfStats(message: string): void {
  console.error(`\n${'!'.repeat(100)}\nWARNING: ${message}\n${'!'.repeat(100)}\n`);
}
