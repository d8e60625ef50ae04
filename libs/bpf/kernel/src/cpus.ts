import { libbpf } from './native/libbpf.js';
import { KernelError } from './errors.js';

let cached: number | undefined;

/** Possible CPUs as libbpf counts them (the per-CPU map slot count). */
export function possibleCpus(): number {
  if (cached !== undefined) return cached;
  const n = libbpf().libbpf_num_possible_cpus() as number;
  if (n <= 0) throw KernelError.fromErrno('libbpf_num_possible_cpus', n);
  cached = n;
  return n;
}
