import { libc } from '../native/libc.js';
import { KernelError } from '../errors.js';

/** An interface given by index or by name (resolved in the caller's network namespace). */
export type Interface = number | string;

export function ifindexOf(iface: Interface): number {
  if (typeof iface === 'number') {
    if (!Number.isInteger(iface) || iface <= 0) throw new KernelError(`bad ifindex ${iface}`, 'if_nametoindex', 22);
    return iface;
  }
  const index = libc().ifNameToIndex(iface);
  if (!index) throw new KernelError(`no network interface ${iface}`, 'if_nametoindex', 19);
  return index;
}
