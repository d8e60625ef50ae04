import { libbpf } from '../native/libbpf.js';
import type { NativePointer } from '../native/koffi.js';
import { libc, lastErrno } from '../native/libc.js';
import { sizeOf } from '../native/structs.js';
import { KernelAttachError, KernelError, errnoName } from '../errors.js';
import type { KernelProgram } from '../program.js';
import type { Link } from '../link.js';
import { attachWith, type LibbpfLink } from './libbpf-link.js';
import { onlineCpus } from './cpu-list.js';

export const PERF_TYPE_HARDWARE = 0;
export const PERF_TYPE_SOFTWARE = 1;
export const PERF_COUNT_SW_CPU_CLOCK = 0;

const PERF_ATTR_SIZE = 128; // PERF_ATTR_SIZE_VER7
const PERF_FLAG_FD_CLOEXEC = 8;
const FLAG_DISABLED = 1n << 0n;
const FLAG_FREQ = 1n << 10n;
const perfEventOpenNr: Partial<Record<string, number>> = { x64: 298, arm64: 241, riscv64: 241, ppc64: 319, s390x: 331 };

export interface PerfEventOptions {
  /** Samples per second per CPU (default 99); ignored when `period` is set. */
  readonly frequency?: number;
  /** Sample every `period` events instead of at a frequency. */
  readonly period?: number;
  /** perf_event_attr type/config (default software cpu-clock, which works in VMs). */
  readonly type?: number;
  readonly config?: number;
  /** CPUs to sample (default: every online CPU). */
  readonly cpus?: readonly number[];
}

/** `struct perf_event_attr` for a sampling event. */
export function perfEventAttr(options: PerfEventOptions): Buffer {
  const b = Buffer.alloc(PERF_ATTR_SIZE);
  b.writeUInt32LE(options.type ?? PERF_TYPE_SOFTWARE, 0);
  b.writeUInt32LE(PERF_ATTR_SIZE, 4);
  b.writeBigUInt64LE(BigInt(options.config ?? PERF_COUNT_SW_CPU_CLOCK), 8);
  let flags = FLAG_DISABLED; // libbpf enables the event once the program is attached
  if (options.period !== undefined) {
    b.writeBigUInt64LE(BigInt(options.period), 16);
  } else {
    b.writeBigUInt64LE(BigInt(options.frequency ?? 99), 16);
    flags |= FLAG_FREQ;
  }
  b.writeBigUInt64LE(flags, 40);
  return b;
}

/** perf_event_open(attr, pid=-1, cpu, group=-1, CLOEXEC): a system-wide event on one CPU. */
export function perfEventOpen(attr: Buffer, cpu: number, pid = -1): number {
  const nr = perfEventOpenNr[process.arch];
  if (nr === undefined) throw new KernelError(`perf_event_open: unsupported architecture ${process.arch}`, 'perf_event_open', 95);
  const fd = Number(libc().syscall(nr, 'void *', attr, 'int', pid, 'int', cpu, 'int', -1, 'unsigned long', PERF_FLAG_FD_CLOEXEC));
  if (fd < 0) throw KernelError.fromErrno('perf_event_open', lastErrno() || 22, `cpu ${cpu}`);
  return fd;
}

/** One link per CPU, handled as one. */
export class PerCpuLink implements Link {
  readonly pinnable = false;
  constructor(
    readonly description: string,
    readonly links: readonly LibbpfLink[],
  ) {}
  pin(): void {
    throw new KernelError(`${this.description}: per-CPU perf event links are pinned one by one (links[i].pin)`, 'bpf_link__pin', 95);
  }
  unpin(): void {
    for (const l of this.links) l.unpin();
  }
  detach(): void {
    for (const l of this.links) l.detach();
  }
  close(): void {
    for (const l of this.links) l.close();
  }
}

/** Samples on every CPU (or `cpus`) and runs the program on each sample. */
export function attachPerfEvent(program: KernelProgram, options: PerfEventOptions = {}): PerCpuLink {
  const prog = program.requireNative('attach perf_event');
  const attr = perfEventAttr(options);
  const cpus = options.cpus ?? onlineCpus();
  const what = options.period !== undefined ? `period ${options.period}` : `${options.frequency ?? 99} Hz`;
  const links: LibbpfLink[] = [];
  try {
    for (const cpu of cpus) {
      let pfd: number;
      try {
        pfd = perfEventOpen(attr, cpu);
      } catch (e) {
        const errno = e instanceof KernelError ? e.errno : 22;
        throw new KernelAttachError(program.name, 'perf_event', `${what} cpu ${cpu}`, 'perf_event_open', errno, errnoName(errno));
      }
      const opts = { sz: sizeOf('bpf_perf_event_opts'), bpf_cookie: 0n };
      try {
        // On success libbpf owns pfd and closes it when the link is destroyed.
        links.push(
          attachWith(program, 'perf_event', `${what} cpu ${cpu}`, 'bpf_program__attach_perf_event_opts', () =>
            libbpf().bpf_program__attach_perf_event_opts(prog, pfd, opts) as NativePointer | null,
          ),
        );
      } catch (e) {
        libc().close(pfd);
        throw e;
      }
    }
  } catch (e) {
    for (const l of links) l.close();
    throw e;
  }
  return new PerCpuLink(`perf_event ${what} on ${cpus.length} CPUs (${program.name})`, links);
}
