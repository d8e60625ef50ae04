import { rmSync } from 'node:fs';
import { libbpf, isNull } from '../native/libbpf.js';
import type { NativePointer } from '../native/koffi.js';
import { lastErrno } from '../native/libc.js';
import { withLibbpfLog } from '../native/log.js';
import { KernelAttachError, KernelError } from '../errors.js';
import type { KernelProgram } from '../program.js';
import type { Link } from '../link.js';

/** A link owned by libbpf (`struct bpf_link *`): tracepoints, kprobes, uprobes, perf events, tracing. */
export class LibbpfLink implements Link {
  readonly pinnable = true;
  private handle: NativePointer | null;
  private pinnedAt: string | undefined;

  constructor(
    handle: NativePointer,
    readonly description: string,
  ) {
    this.handle = handle;
  }

  /** Re-adopts a link pinned by an earlier process (it stays attached while pinned). */
  static openPinned(path: string): LibbpfLink {
    const lib = libbpf();
    const { handle, errno } = withLibbpfLog(() => {
      const h = lib.bpf_link__open(path) as NativePointer | null;
      return { handle: h, errno: lastErrno() };
    });
    if (isNull(handle)) throw KernelError.fromErrno('bpf_link__open', errno || 2, path);
    const link = new LibbpfLink(handle, `pinned link ${path}`);
    link.pinnedAt = path;
    return link;
  }

  get fd(): number {
    return libbpf().bpf_link__fd(this.live()) as number;
  }

  pin(path: string): void {
    const ret = libbpf().bpf_link__pin(this.live(), path) as number;
    if (ret < 0) throw KernelError.fromErrno('bpf_link__pin', ret, `${this.description} at ${path}`);
    this.pinnedAt = path;
  }

  unpin(): void {
    if (!this.pinnedAt) return;
    const ret = libbpf().bpf_link__unpin(this.live()) as number;
    // A link re-opened from a pin does not know its path inside libbpf; remove the file ourselves.
    if (ret < 0) {
      try {
        rmSync(this.pinnedAt);
      } catch {
        throw KernelError.fromErrno('bpf_link__unpin', ret, this.description);
      }
    }
    this.pinnedAt = undefined;
  }

  detach(): void {
    const ret = libbpf().bpf_link__detach(this.live()) as number;
    if (ret < 0) throw KernelError.fromErrno('bpf_link__detach', ret, this.description);
  }

  close(): void {
    if (!this.handle) return;
    // bpf_link__destroy detaches unless the link is pinned (then only our fd goes).
    libbpf().bpf_link__destroy(this.handle);
    this.handle = null;
  }

  private live(): NativePointer {
    if (!this.handle) throw new KernelError(`${this.description}: link is closed`, 'bpf_link', 9);
    return this.handle;
  }
}


/** Runs a libbpf attach call that returns a `struct bpf_link *`, turning NULL into a KernelAttachError. */
export function attachWith(program: KernelProgram, kind: string, target: string, call: string, fn: () => NativePointer | null): LibbpfLink {
  const { handle, errno, log } = withLibbpfLog((log) => {
    const h = fn();
    return { handle: h, errno: lastErrno(), log: log() };
  });
  if (isNull(handle)) throw new KernelAttachError(program.name, kind, target, call, errno || 22, log);
  return new LibbpfLink(handle, `${kind} ${target} (${program.name})`);
}
