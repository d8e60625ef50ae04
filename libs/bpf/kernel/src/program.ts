import { libbpf } from './native/libbpf.js';
import type { NativePointer } from './native/koffi.js';
import { KernelClosedError, KernelError } from './errors.js';
import { closeFd, objGet, programInfoOf } from './fd.js';
import type { ProgramInfo } from './map-info.js';
import { testRunFd, type TestRunOptions, type TestRunResult } from './test-run.js';

/**
 * A loaded program: its fd plus, when it came from an object we opened, libbpf's `struct bpf_program`
 * (needed by libbpf's attach functions).
 */
export class KernelProgram {
  private currentFd: number;

  constructor(
    readonly name: string,
    /** ELF section (`tracepoint/syscalls/sys_enter_openat`); empty for re-opened pinned programs. */
    readonly section: string,
    readonly type: number,
    readonly expectedAttachType: number,
    fd: number,
    private readonly ownsFd: boolean,
    readonly native: NativePointer | null,
    /** The verifier log of a successful load when a log level was requested. */
    readonly verifierLog: string,
  ) {
    this.currentFd = fd;
  }

  /** Re-opens a program pinned under bpffs. */
  static openPinned(path: string): KernelProgram {
    const fd = objGet(path);
    try {
      const info = programInfoOf(fd);
      return new KernelProgram(info.name, '', info.type, 0, fd, true, null, '');
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }

  get fd(): number {
    if (this.currentFd < 0) throw new KernelClosedError(`program ${this.name}`);
    return this.currentFd;
  }

  /** libbpf's program pointer, for attach functions; absent on re-opened pinned programs. */
  requireNative(what: string): NativePointer {
    if (this.currentFd < 0) throw new KernelClosedError(`program ${this.name}`);
    if (!this.native) throw new KernelError(`program ${this.name}: ${what} needs a program loaded from an object`, what, 22);
    return this.native;
  }

  /** Kernel facts: id, tag, run counters (with bpf_stats_enabled). */
  info(): ProgramInfo {
    return programInfoOf(this.fd);
  }

  testRun(options?: TestRunOptions): TestRunResult {
    return testRunFd(this.fd, options);
  }

  pin(path: string): void {
    const lib = libbpf();
    const ret = (this.native ? lib.bpf_program__pin(this.native, path) : lib.bpf_obj_pin(this.fd, path)) as number;
    if (ret < 0) throw KernelError.fromErrno('bpf_program__pin', ret, `program ${this.name} at ${path}`);
  }

  close(): void {
    if (this.currentFd < 0) return;
    if (this.ownsFd) closeFd(this.currentFd);
    this.currentFd = -1;
  }

  /** Marks the handle closed without closing the fd (its object closed it). */
  invalidate(): void {
    this.currentFd = -1;
  }
}
