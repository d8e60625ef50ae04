import { koffi } from './native/koffi.js';
import { libc, lastErrno } from './native/libc.js';
import { KernelError } from './errors.js';
import { ifindexOf, type Interface } from './attach/netdev.js';

const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const ETH_P_ALL = 0x0003;
const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
const EAGAIN = 11;
const EINTR = 4;
/** `struct sockaddr_ll`: family u16, protocol be16, ifindex i32, hatype u16, pkttype u8, halen u8, addr[8]. */
const SOCKADDR_LL_SIZE = 20;
const PACKET_OUTGOING = 4;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
const SOL_PACKET = 263;
const PACKET_STATISTICS = 6;

/** One frame read from an AF_PACKET socket, starting at the Ethernet header. */
export interface CapturedFrame {
  /** Frame bytes (a copy), cut at the socket's snap length. */
  readonly bytes: Uint8Array;
  /** Length on the wire (larger than bytes.length when the frame was cut). */
  readonly wireLength: number;
  /** `egress` for frames this host sent (PACKET_OUTGOING), `ingress` otherwise. */
  readonly direction: 'ingress' | 'egress';
  readonly ifindex: number;
}

export interface PacketSocketOptions {
  /** Bytes kept per frame (default 65535); longer frames are cut, wireLength says how long they were. */
  readonly snapLength?: number;
  /**
   * Socket receive buffer (default 8 MiB): what absorbs a burst between two reads. Set with
   * SO_RCVBUFFORCE when privileged, else SO_RCVBUF (capped by net.core.rmem_max).
   */
  readonly receiveBufferBytes?: number;
}

/** PACKET_STATISTICS since the previous call: frames the socket saw and those dropped for lack of room. */
export interface PacketSocketStats {
  readonly packets: number;
  readonly drops: number;
}

function htons(v: number): number {
  return ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}

/**
 * A raw AF_PACKET socket bound to one interface, read without blocking: receive() returns what the
 * kernel has queued (MSG_DONTWAIT) and never waits; watch() has libuv call back when frames are queued
 * (level-triggered, like the ring-buffer reader), so there is no polling timer. Needs CAP_NET_RAW.
 */
export class PacketSocket {
  readonly ifindex: number;
  private fd: number;
  private readonly buffer: Buffer;
  private readonly addr = Buffer.alloc(SOCKADDR_LL_SIZE);
  private readonly addrLen = new Uint32Array(1);
  private poller: ReturnType<typeof koffi.node.poll> | null = null;

  constructor(iface: Interface, options: PacketSocketOptions = {}) {
    this.ifindex = ifindexOf(iface);
    const snap = options.snapLength ?? 65535;
    if (!Number.isInteger(snap) || snap < 14 || snap > 262144) throw new KernelError(`snap length ${snap} must be 14..262144`, 'socket', 22);
    this.buffer = Buffer.alloc(snap);
    const c = libc();
    const fd = c.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) throw KernelError.fromErrno('socket', lastErrno() || 1, 'AF_PACKET (needs CAP_NET_RAW)');
    const sll = Buffer.alloc(SOCKADDR_LL_SIZE);
    sll.writeUInt16LE(AF_PACKET, 0);
    sll.writeUInt16BE(ETH_P_ALL, 2);
    sll.writeInt32LE(this.ifindex, 4);
    if (c.bind(fd, sll, SOCKADDR_LL_SIZE) < 0) {
      const errno = lastErrno() || 22;
      c.close(fd);
      throw KernelError.fromErrno('bind', errno, `AF_PACKET ifindex ${this.ifindex}`);
    }
    const size = Buffer.alloc(4);
    size.writeInt32LE(options.receiveBufferBytes ?? 8 * 1024 * 1024);
    if (c.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4) < 0) c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, size, 4);
    this.fd = fd;
  }

  /**
   * Calls `onReadable` on the event loop whenever frames are queued; it should receive() a bounded
   * batch, and is called again on the next turn while frames remain.
   */
  watch(onReadable: () => void): void {
    if (this.fd < 0) throw new KernelError('packet socket is closed', 'poll', 9);
    this.poller?.close();
    this.poller = koffi.node.poll(this.fd, { readable: true }, () => onReadable());
  }

  /** Frames seen and dropped by the kernel since the last call (reading resets the counters). */
  statistics(): PacketSocketStats {
    if (this.fd < 0) throw new KernelError('packet socket is closed', 'getsockopt', 9);
    const out = Buffer.alloc(8);
    const len = new Uint32Array([8]);
    if (libc().getsockopt(this.fd, SOL_PACKET, PACKET_STATISTICS, out, len) < 0) throw KernelError.fromErrno('getsockopt', lastErrno() || 22, 'PACKET_STATISTICS');
    return { packets: out.readUInt32LE(0), drops: out.readUInt32LE(4) };
  }

  get closed(): boolean {
    return this.fd < 0;
  }

  /** Up to `max` frames already queued; an empty array when none are. Never blocks. */
  receive(max = 256): CapturedFrame[] {
    if (this.fd < 0) throw new KernelError('packet socket is closed', 'recvfrom', 9);
    const c = libc();
    const out: CapturedFrame[] = [];
    while (out.length < max) {
      this.addrLen[0] = SOCKADDR_LL_SIZE;
      // MSG_TRUNC: the return value is the frame's real length even when the buffer is shorter.
      const n = Number(c.recvfrom(this.fd, this.buffer, this.buffer.length, MSG_DONTWAIT | MSG_TRUNC, this.addr, this.addrLen));
      if (n < 0) {
        const errno = lastErrno();
        if (errno === EAGAIN || errno === EINTR) break;
        throw KernelError.fromErrno('recvfrom', errno || 5, `AF_PACKET ifindex ${this.ifindex}`);
      }
      const kept = Math.min(n, this.buffer.length);
      out.push({
        bytes: Uint8Array.prototype.slice.call(this.buffer, 0, kept),
        wireLength: n,
        direction: this.addr[10] === PACKET_OUTGOING ? 'egress' : 'ingress',
        ifindex: this.addr.readInt32LE(4),
      });
    }
    return out;
  }

  close(): void {
    this.poller?.close();
    this.poller = null;
    if (this.fd < 0) return;
    libc().close(this.fd);
    this.fd = -1;
  }
}
