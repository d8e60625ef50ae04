import { libbpf } from './native/libbpf.js';
import { libc, lastErrno } from './native/libc.js';
import { KernelError } from './errors.js';
import { decodeMapInfo, decodeProgramInfo, type MapInfo, type ProgramInfo } from './map-info.js';

const PROG_INFO_SIZE = 232;
const MAP_INFO_SIZE = 88;

function objInfo(fd: number, size: number): Uint8Array {
  const buf = Buffer.alloc(size);
  const len = new Uint32Array([size]);
  const ret = libbpf().bpf_obj_get_info_by_fd(fd, buf, len) as number;
  if (ret < 0) throw KernelError.fromErrno('bpf_obj_get_info_by_fd', ret);
  return new Uint8Array(buf.buffer, buf.byteOffset, Math.min(size, len[0]!));
}

export function mapInfoOf(fd: number): MapInfo {
  return decodeMapInfo(objInfo(fd, MAP_INFO_SIZE));
}

export function programInfoOf(fd: number): ProgramInfo {
  return decodeProgramInfo(objInfo(fd, PROG_INFO_SIZE));
}

/** Opens a pinned object (program, map or link) under bpffs and returns its fd. */
export function objGet(path: string): number {
  const fd = libbpf().bpf_obj_get(path) as number;
  if (fd < 0) throw KernelError.fromErrno('bpf_obj_get', fd, path);
  return fd;
}

/** Pins an fd at a bpffs path. */
export function objPin(fd: number, path: string): void {
  const ret = libbpf().bpf_obj_pin(fd, path) as number;
  if (ret < 0) throw KernelError.fromErrno('bpf_obj_pin', ret, path);
}

/** Closes an fd we own. */
export function closeFd(fd: number): void {
  if (fd < 0) return;
  if (libc().close(fd) < 0) throw KernelError.fromErrno('close', lastErrno(), `fd ${fd}`);
}
