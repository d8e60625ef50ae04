import { readFileSync } from 'node:fs';
import { libbpf } from './native/libbpf.js';
import { KernelError } from './errors.js';
import { closeFd, programInfoOf } from './fd.js';

/** `struct bpf_link_info`: type, id, prog_id are the first three u32 (every kernel with links has them). */
const LINK_INFO_HEAD = 12;

/** What the kernel counted for one program (zero unless run statistics are on). */
export interface ProgramRunStats {
  readonly id: number;
  readonly name: string;
  readonly runCount: bigint;
  readonly runTimeNs: bigint;
}

/** The link's own id and the id of the program it attaches (from `bpf_obj_get_info_by_fd` on a link fd). */
export function linkInfoOf(linkFd: number): { readonly id: number; readonly type: number; readonly programId: number } {
  const buf = Buffer.alloc(LINK_INFO_HEAD);
  const len = new Uint32Array([LINK_INFO_HEAD]);
  const ret = libbpf().bpf_obj_get_info_by_fd(linkFd, buf, len) as number;
  if (ret < 0) throw KernelError.fromErrno('bpf_obj_get_info_by_fd', ret, `link fd ${linkFd}`);
  return { type: buf.readUInt32LE(0), id: buf.readUInt32LE(4), programId: buf.readUInt32LE(8) };
}

/**
 * Run count and run time of a loaded program, found by id, so a process that re-adopted a pinned link
 * (and so holds no program fd) still reads them. Throws ENOENT once the program is gone.
 */
export function programRunStats(programId: number): ProgramRunStats {
  const fd = libbpf().bpf_prog_get_fd_by_id(programId) as number;
  if (fd < 0) throw KernelError.fromErrno('bpf_prog_get_fd_by_id', fd, `program id ${programId}`);
  try {
    const info = programInfoOf(fd);
    return { id: info.id, name: info.name, runCount: info.runCount, runTimeNs: info.runTimeNs };
  } finally {
    closeFd(fd);
  }
}

/**
 * Whether the `kernel.bpf_stats_enabled` sysctl is on (counting for every program, for everyone).
 * A BPF_ENABLE_STATS fd (`enableRunStats`) turns counting on without changing what this reads.
 * False when the sysctl cannot be read.
 */
export function runStatsEnabled(): boolean {
  try {
    return readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}
