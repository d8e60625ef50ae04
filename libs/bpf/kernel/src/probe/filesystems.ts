import { readFileSync, mkdirSync } from 'node:fs';
import { libc, lastErrno } from '../native/libc.js';
import { errnoName } from '../errors.js';

export interface MountState {
  readonly path: string;
  readonly mounted: boolean;
  /** The probe mounted it just now. */
  readonly mountedByProbe: boolean;
  /** Why mounting failed, when it did. */
  readonly error?: string;
}

/** Whether a filesystem of `fstype` is mounted at `path` (from /proc/self/mounts). */
export function isMounted(path: string, fstype: string): boolean {
  try {
    return readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .some((line) => {
        const f = line.split(' ');
        return f[1] === path && f[2] === fstype;
      });
  } catch {
    return false;
  }
}

/** Ensures a pseudo filesystem is mounted (bpffs for pins, tracefs for tracepoints), mounting when allowed. */
export function ensureMounted(path: string, fstype: string, mayMount: boolean): MountState {
  if (isMounted(path, fstype)) return { path, mounted: true, mountedByProbe: false };
  if (!mayMount) return { path, mounted: false, mountedByProbe: false };
  try {
    mkdirSync(path, { recursive: true });
  } catch {
    // mount(2) reports the real problem below.
  }
  if (libc().mount(fstype, path, fstype, 0, null) === 0) return { path, mounted: true, mountedByProbe: true };
  const errno = lastErrno();
  return { path, mounted: false, mountedByProbe: false, error: `mount -t ${fstype} ${path}: ${errnoName(errno)}` };
}

export const BPFFS = '/sys/fs/bpf';
export const TRACEFS = '/sys/kernel/tracing';
