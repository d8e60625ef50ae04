import { libc, lastErrno } from '../native/libc.js';
import { KernelAttachError, KernelError } from '../errors.js';
import type { KernelProgram } from '../program.js';
import type { Link } from '../link.js';

const SOL_SOCKET = 1;
const SO_ATTACH_BPF = 50;
const SO_DETACH_BPF = 27;
const EOPNOTSUPP = 95;

/** A socket filter on a socket fd the caller owns (the filter goes away with the socket too). */
export class SocketFilterLink implements Link {
  readonly pinnable = false;
  private attached = true;
  constructor(
    readonly program: KernelProgram,
    readonly socketFd: number,
  ) {}

  get description(): string {
    return `socket filter on fd ${this.socketFd} (${this.program.name})`;
  }

  pin(): void {
    throw new KernelError(`${this.description}: socket filters cannot be pinned`, 'bpf_link__pin', EOPNOTSUPP);
  }

  unpin(): void {}

  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    const dummy = Buffer.alloc(4);
    if (libc().setsockopt(this.socketFd, SOL_SOCKET, SO_DETACH_BPF, dummy, 4) < 0) {
      const errno = lastErrno();
      // EBADF: the socket is closed already, which removed the filter.
      if (errno !== 9) throw KernelError.fromErrno('setsockopt(SO_DETACH_BPF)', errno, this.description);
    }
  }

  close(): void {
    this.detach();
  }
}

/** setsockopt(SO_ATTACH_BPF) with a socket_filter program. */
export function attachSocketFilter(program: KernelProgram, socketFd: number): SocketFilterLink {
  const value = Buffer.alloc(4);
  value.writeInt32LE(program.fd);
  if (libc().setsockopt(socketFd, SOL_SOCKET, SO_ATTACH_BPF, value, 4) < 0) {
    const errno = lastErrno();
    throw new KernelAttachError(program.name, 'socket', `fd ${socketFd}`, 'setsockopt(SO_ATTACH_BPF)', errno || 22, '');
  }
  return new SocketFilterLink(program, socketFd);
}
