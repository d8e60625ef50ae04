import { mkdirSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KernelError } from './errors.js';

/** Where bpfleet pins programs, maps and links so they outlive the agent process. */
export const PIN_ROOT = '/sys/fs/bpf/bpfleet';

const SEGMENT = /^[A-Za-z0-9_.-]{1,200}$/;

/** `/sys/fs/bpf/bpfleet/<a>/<b>/...`, refusing segments that could escape the root. */
export function pinPath(...segments: string[]): string {
  for (const s of segments) {
    if (!SEGMENT.test(s) || s === '.' || s === '..') throw new KernelError(`bad pin path segment ${JSON.stringify(s)}`, 'pin', 22);
  }
  return join(PIN_ROOT, ...segments);
}

/** Creates a pin directory (bpffs allows directories). */
export function ensurePinDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** Removes a pin: the object lives on only while something else references it. */
export function unpin(path: string): void {
  rmSync(path, { force: true });
}

/** Removes a pin directory and every pin below it. */
export function removePinDir(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) removePinDir(p);
    else rmSync(p, { force: true });
  }
  rmdirSync(dir);
}
