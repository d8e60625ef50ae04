import { koffi, type NativeFunction } from './koffi.js';
import { KernelUnavailableError } from '../errors.js';

/** The few libc calls the runtime needs that libbpf does not wrap (perf_event_open, sockets, vsnprintf). */
export interface Libc {
  /** `long syscall(long nr, ...)`: variadic, call with (nr, 'type', value, ...). */
  readonly syscall: NativeFunction;
  readonly close: (fd: number) => number;
  readonly ioctl: (fd: number, request: number, arg: number) => number;
  readonly setsockopt: (fd: number, level: number, name: number, value: Buffer, len: number) => number;
  readonly getsockopt: (fd: number, level: number, name: number, value: Buffer, len: Uint32Array) => number;
  readonly socket: (domain: number, type: number, protocol: number) => number;
  readonly bind: (fd: number, addr: Buffer, len: number) => number;
  readonly getsockname: (fd: number, addr: Buffer, len: Uint32Array) => number;
  readonly recv: (fd: number, buf: Buffer, len: number, flags: number) => number;
  readonly recvfrom: (fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrLen: Uint32Array) => number;
  readonly ifNameToIndex: (name: string) => number;
  readonly vsnprintf: (buf: Buffer, size: number, fmt: string, args: unknown) => number;
  readonly getpid: () => number;
  readonly mmap: (addr: null, len: number, prot: number, flags: number, fd: number, offset: number) => unknown;
  readonly munmap: (addr: unknown, len: number) => number;
  readonly getpagesize: () => number;
  /** memcpy into a JS buffer: far cheaper than a koffi.view per record. */
  readonly memcpy: (dst: Uint8Array, src: unknown, n: number) => unknown;
  readonly mount: (source: string, target: string, fstype: string, flags: number, data: null) => number;
}

let cached: Libc | undefined;

/** Binds libc once; throws KernelUnavailableError when it cannot be opened. */
export function libc(): Libc {
  if (cached) return cached;
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load('libc.so.6');
  } catch (e) {
    throw new KernelUnavailableError(`cannot load libc.so.6: ${(e as Error).message}`, 'libc');
  }
  const f = (decl: string) => lib.func(decl) as NativeFunction;
  cached = {
    syscall: f('long syscall(long number, ...)'),
    close: f('int close(int fd)') as Libc['close'],
    ioctl: f('int ioctl(int fd, unsigned long request, unsigned long arg)') as Libc['ioctl'],
    setsockopt: f('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)') as Libc['setsockopt'],
    getsockopt: f('int getsockopt(int fd, int level, int name, _Out_ void *value, _Inout_ uint32_t *len)') as Libc['getsockopt'],
    socket: f('int socket(int domain, int type, int protocol)') as Libc['socket'],
    bind: f('int bind(int fd, const void *addr, uint32_t len)') as Libc['bind'],
    getsockname: f('int getsockname(int fd, _Out_ void *addr, _Inout_ uint32_t *len)') as Libc['getsockname'],
    recv: f('long recv(int fd, _Out_ void *buf, size_t len, int flags)') as Libc['recv'],
    recvfrom: f('long recvfrom(int fd, _Out_ void *buf, size_t len, int flags, _Out_ void *addr, _Inout_ uint32_t *addrlen)') as Libc['recvfrom'],
    ifNameToIndex: f('unsigned int if_nametoindex(const char *name)') as Libc['ifNameToIndex'],
    vsnprintf: f('int vsnprintf(_Out_ void *buf, size_t size, const char *fmt, void *args)') as Libc['vsnprintf'],
    getpid: f('int getpid(void)') as Libc['getpid'],
    mmap: f('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long offset)') as Libc['mmap'],
    munmap: f('int munmap(void *addr, size_t len)') as Libc['munmap'],
    getpagesize: f('int getpagesize(void)') as Libc['getpagesize'],
    memcpy: f('void *memcpy(_Out_ void *dst, const void *src, size_t n)') as Libc['memcpy'],
    mount: f('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)') as Libc['mount'],
  };
  return cached;
}

/** errno of the last native call on this thread. */
export function lastErrno(): number {
  return koffi.errno();
}
