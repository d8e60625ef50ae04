import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeInstructions, type Instruction } from '@bpfleet/isa';
import { libbpf } from './native/libbpf.js';
import { lastErrno } from './native/libc.js';
import { sizeOf } from './native/structs.js';
import { withLibbpfLog } from './native/log.js';
import { KernelAttachError, KernelError, KernelLoadError } from './errors.js';
import { closeFd, mapInfoOf } from './fd.js';
import { KernelMap } from './map.js';
import { FdLink } from './attach/fd-link.js';
import { perfEventOpen } from './attach/perf-event.js';
import { TRACEFS } from './probe/filesystems.js';

const BPF_MAP_TYPE_ARRAY = 2;
const BPF_MAP_TYPE_RINGBUF = 27;
const BPF_PERF_EVENT = 41;
const PERF_TYPE_TRACEPOINT = 2;
const PERF_ATTR_SIZE = 128;
const LOG_SIZE = 256 * 1024;

/**
 * A program loaded from instructions (no ELF, no libbpf object): what generated helper programs use.
 * Map references are `lddw` with src 1 (BPF_PSEUDO_MAP_FD) and the map's fd as imm.
 */
export class RawProgram {
  private currentFd: number;
  constructor(
    fd: number,
    readonly name: string,
    readonly type: number,
  ) {
    this.currentFd = fd;
  }

  get fd(): number {
    if (this.currentFd < 0) throw new KernelError(`program ${this.name} is closed`, 'bpf_prog', 9);
    return this.currentFd;
  }

  close(): void {
    closeFd(this.currentFd);
    this.currentFd = -1;
  }
}

/** Loads instructions as a program of `type`; a refusal is a KernelLoadError with the verifier log. */
export function loadRawProgram(type: number, name: string, insns: readonly Instruction[], license = 'GPL'): RawProgram {
  const bytes = Buffer.from(encodeInstructions(insns));
  const log = Buffer.alloc(LOG_SIZE);
  const opts = {
    sz: sizeOf('bpf_prog_load_opts'), attempts: 0, expected_attach_type: 0, prog_btf_fd: 0, prog_flags: 0, prog_ifindex: 0,
    kern_version: 0, attach_btf_id: 0, attach_prog_fd: 0, attach_btf_obj_fd: 0, fd_array: null, func_info: null,
    func_info_cnt: 0, func_info_rec_size: 0, line_info: null, line_info_cnt: 0, line_info_rec_size: 0,
    log_level: 1, log_size: log.length, log_buf: log,
  };
  const { fd, libbpfLog } = withLibbpfLog((l) => ({ fd: libbpf().bpf_prog_load(type, name.slice(0, 15), license, bytes, bytes.length / 8, opts) as number, libbpfLog: l() }));
  if (fd < 0) {
    const end = log.indexOf(0);
    throw new KernelLoadError(name, -fd, log.toString('utf8', 0, end < 0 ? log.length : end), end < 0, libbpfLog);
  }
  return new RawProgram(fd, name, type);
}

/** A BPF ring buffer of `bytes` (a power of two, multiple of the page size) not tied to any object. */
export function createRingBufferMap(name: string, bytes: number): KernelMap {
  const fd = libbpf().bpf_map_create(BPF_MAP_TYPE_RINGBUF, name.slice(0, 15), 0, 0, bytes, null) as number;
  if (fd < 0) throw KernelError.fromErrno('bpf_map_create', fd, `ring buffer ${name} of ${bytes} bytes`);
  try {
    return new KernelMap(fd, mapInfoOf(fd), true);
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}

/** A plain BPF array map of `entries` values of `valueSize` bytes (u32 keys), not tied to any object. */
export function createArrayMap(name: string, valueSize: number, entries: number): KernelMap {
  const fd = libbpf().bpf_map_create(BPF_MAP_TYPE_ARRAY, name.slice(0, 15), 4, valueSize, entries, null) as number;
  if (fd < 0) throw KernelError.fromErrno('bpf_map_create', fd, `array ${name}`);
  try {
    return new KernelMap(fd, mapInfoOf(fd), true);
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}

/** The id tracefs gives a tracepoint (`syscalls/sys_enter_openat`). */
export function tracepointId(target: string): number {
  const path = join(TRACEFS, 'events', target, 'id');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 2 : 13;
    throw new KernelError(`tracepoint ${target}: cannot read ${path}: ${(e as Error).message}`, 'open', errno);
  }
  const id = Number(text.trim());
  if (!Number.isSafeInteger(id) || id < 0) throw new KernelError(`tracepoint ${target}: bad id ${JSON.stringify(text.trim())}`, 'open', 22);
  return id;
}

/** Attaches a raw program to a tracepoint through a perf event and a BPF link (kernel 5.15+). */
export function attachTracepointFd(program: RawProgram, target: string): FdLink {
  const attr = Buffer.alloc(PERF_ATTR_SIZE);
  attr.writeUInt32LE(PERF_TYPE_TRACEPOINT, 0);
  attr.writeUInt32LE(PERF_ATTR_SIZE, 4);
  attr.writeBigUInt64LE(BigInt(tracepointId(target)), 8);
  attr.writeBigUInt64LE(1n, 16); // sample_period
  let pfd: number;
  try {
    pfd = perfEventOpen(attr, 0);
  } catch (e) {
    throw new KernelAttachError(program.name, 'tracepoint', target, 'perf_event_open', e instanceof KernelError ? e.errno : 22, '');
  }
  try {
    // The link holds its own reference to the perf event, so our fd can go.
    const fd = libbpf().bpf_link_create(program.fd, pfd, BPF_PERF_EVENT, null) as number;
    if (fd < 0) throw new KernelAttachError(program.name, 'tracepoint', target, 'bpf_link_create', -fd, '');
    return new FdLink(fd, `tracepoint ${target} (${program.name})`);
  } finally {
    closeFd(pfd);
  }
}

/** Attaches a raw program to a raw tracepoint (`sys_enter`). */
export function attachRawTracepointFd(program: RawProgram, name: string): FdLink {
  const fd = libbpf().bpf_raw_tracepoint_open(name, program.fd) as number;
  if (fd < 0) throw new KernelAttachError(program.name, 'raw_tracepoint', name, 'bpf_raw_tracepoint_open', -fd || lastErrno(), '');
  return new FdLink(fd, `raw_tracepoint ${name} (${program.name})`);
}
