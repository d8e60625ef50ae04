import { libbpf } from '../native/libbpf.js';
import { KernelError } from '../errors.js';
import { closeFd, objPin } from '../fd.js';
import { unpin } from '../pin.js';
import type { Link } from '../link.js';

/**
 * A BPF link the kernel handed us as a bare fd (bpf_link_create, bpf_raw_tracepoint_open): tcx, and
 * the links of generated programs. Pinnable like any link; a pinned one is re-opened with
 * LibbpfLink.openPinned.
 */
export class FdLink implements Link {
  readonly pinnable = true;
  private currentFd: number;
  private pinnedAt: string | undefined;

  constructor(
    fd: number,
    readonly description: string,
  ) {
    this.currentFd = fd;
  }

  get fd(): number {
    if (this.currentFd < 0) throw new KernelError(`${this.description}: link is closed`, 'bpf_link', 9);
    return this.currentFd;
  }

  pin(path: string): void {
    objPin(this.fd, path);
    this.pinnedAt = path;
  }

  unpin(): void {
    if (!this.pinnedAt) return;
    unpin(this.pinnedAt);
    this.pinnedAt = undefined;
  }

  detach(): void {
    const ret = libbpf().bpf_link_detach(this.fd) as number;
    if (ret < 0) throw KernelError.fromErrno('bpf_link_detach', ret, this.description);
  }

  close(): void {
    if (this.currentFd < 0) return;
    // The last reference to an unpinned link detaches it.
    closeFd(this.currentFd);
    this.currentFd = -1;
  }
}
