import { constants } from 'node:os';

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, value]) => [value, name]));
// Kernel-internal errno values libbpf passes through (not in userspace errno.h).
errnoNames.set(524, 'ENOTSUPP');

/** `EPERM`, `EINVAL`, ... for a positive errno (`E<n>` when unknown). */
export function errnoName(errno: number): string {
  return errnoNames.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}

/** Base of every kernel-runtime error: the failing call, its errno and a stable code. */
export class KernelError extends Error {
  readonly code: string = 'EKERNEL';
  constructor(
    message: string,
    /** The native call that failed (`bpf_map_lookup_elem`, `perf_event_open`, ...). */
    readonly call: string,
    /** Positive errno (0 when the failure was not a syscall error). */
    readonly errno: number,
  ) {
    super(message);
    this.name = 'KernelError';
  }

  /** Builds the error from a libbpf-style return (negative errno) or a positive errno. */
  static fromErrno(call: string, err: number, context?: string): KernelError {
    const e = Math.abs(err);
    return new KernelError(`${context ? `${context}: ` : ''}${call}: ${errnoName(e)} (${e})`, call, e);
  }
}

/** libbpf.so.1 (or the FFI) cannot be loaded on this host. */
export class KernelUnavailableError extends Error {
  readonly code = 'EKERNEL_UNAVAILABLE';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'KernelUnavailableError';
  }
}

/** The installed libbpf lacks a function this operation needs (it came in a later libbpf). */
export class LibbpfSymbolMissingError extends Error {
  readonly code = 'ELIBBPF_SYMBOL';
  constructor(
    readonly symbol: string,
    readonly since: string,
    readonly libbpfVersion: string,
  ) {
    super(`${symbol} is not in the installed libbpf ${libbpfVersion} (needs libbpf >= ${since})`);
    this.name = 'LibbpfSymbolMissingError';
  }
}

/** The kernel refused to load a program; `log` is the kernel's verifier log. */
export class KernelLoadError extends KernelError {
  override readonly code = 'EKERNEL_LOAD';
  constructor(
    /** Program name, or `''` when the object failed before any program (BTF, maps). */
    readonly program: string,
    errno: number,
    /** The verifier log (empty when the kernel gave none). */
    readonly log: string,
    /** The log filled its buffer; the kernel kept the tail. */
    readonly truncated: boolean,
    /** What libbpf itself reported while loading (map creation, relocation, BTF problems). */
    readonly libbpfLog: string,
  ) {
    const last = log.trim().split('\n').slice(-2).join(' | ');
    super(
      `${program ? `program ${program}: ` : ''}load failed: ${errnoName(errno)} (${errno})${last ? `: ${last}` : ''}`,
      'bpf_object__load',
      errno,
    );
    this.name = 'KernelLoadError';
  }
}

/** Attaching a program failed (`target` says where: a tracepoint, an ifindex, a symbol). */
export class KernelAttachError extends KernelError {
  override readonly code = 'EKERNEL_ATTACH';
  constructor(
    readonly program: string,
    readonly kind: string,
    readonly target: string,
    call: string,
    errno: number,
    readonly libbpfLog: string,
  ) {
    super(`program ${program}: attach ${kind} ${target}: ${call}: ${errnoName(errno)} (${errno})`, call, errno);
    this.name = 'KernelAttachError';
  }
}

/** A map operation failed, or was given a key/value of the wrong size. */
export class KernelMapError extends KernelError {
  override readonly code = 'EKERNEL_MAP';
  constructor(
    readonly map: string,
    call: string,
    errno: number,
    detail?: string,
  ) {
    super(`map ${map}: ${call}: ${detail ?? `${errnoName(errno)} (${errno})`}`, call, errno);
    this.name = 'KernelMapError';
  }
}

/** A handle was used after close. */
export class KernelClosedError extends Error {
  readonly code = 'EKERNEL_CLOSED';
  constructor(readonly what: string) {
    super(`${what} is closed`);
    this.name = 'KernelClosedError';
  }
}
