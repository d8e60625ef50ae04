import type { ExecutionEnv } from '../helpers/types.js';

/**
 * The execution environment used when no event source supplies one: the process's own pid and
 * clocks, a seedable xorshift random source, trace lines collected in `traceLines`.
 */
export function defaultEnv(options: { seed?: number; comm?: string; pid?: number; tgid?: number; uid?: number; gid?: number } = {}): ExecutionEnv & { traceLines: string[] } {
  let state = (options.seed ?? 0x2545f491) >>> 0 || 1;
  const traceLines: string[] = [];
  const pid = options.pid ?? process.pid;
  const tgid = options.tgid ?? pid;
  const uid = options.uid ?? (typeof process.getuid === 'function' ? process.getuid() : 0);
  const gid = options.gid ?? (typeof process.getgid === 'function' ? process.getgid() : 0);
  return {
    pidTgid: (BigInt(tgid) << 32n) | BigInt(pid),
    uidGid: (BigInt(gid) << 32n) | BigInt(uid),
    comm: options.comm ?? 'bpfleet',
    monotonicNs: () => process.hrtime.bigint(),
    // The process has no suspend-aware clock; boot time equals monotonic time unless suspended.
    bootNs: () => process.hrtime.bigint(),
    randomU32: () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state >>> 0;
    },
    trace: (line) => {
      traceLines.push(line);
    },
    numaNode: 0,
    traceLines,
  };
}
