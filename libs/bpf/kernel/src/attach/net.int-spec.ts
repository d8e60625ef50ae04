import { createSocket } from 'node:dgram';
import { loadObject, type KernelObject } from '../object.js';
import { libc } from '../native/libc.js';
import { probeKernel } from '../probe/probe.js';
import { corpusObject, itIfKernel, kernelSkipReason } from '../testing/fixtures.js';
import { TestNetwork } from '../testing/netns.js';
import { attachXdp, attachXdpLink } from './xdp.js';
import { enableRunStats } from '../stats.js';
import { attachTc } from './tc.js';
import { attachSocketFilter } from './socket.js';

const skip = kernelSkipReason();
const netSkip = (kind: 'xdp' | 'tc' | 'socket_filter') => {
  if (skip) return skip;
  const r = probeKernel({ helpers: false }).attach[kind];
  return r.ok ? undefined : `${kind} refused by this kernel (${r.reason})`;
};
const PORT = 9999;

function u64(obj: KernelObject, map: string, index: number): bigint {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(index);
  const v = Buffer.from(obj.map(map).lookup(key)!);
  let sum = 0n;
  for (let off = 0; off < v.length; off += 8) sum += v.readBigUInt64LE(off); // per-CPU slots add up
  return sum;
}

describe('network attach', () => {
  let net: TestNetwork | undefined;
  let obj: KernelObject | undefined;
  let setupError: string | undefined;

  beforeAll(() => {
    if (skip) return;
    try {
      net = TestNetwork.create('k');
    } catch (e) {
      setupError = (e as Error).message;
    }
    obj = loadObject(corpusObject('kernel_net'), { name: 'kernel_net' });
  });

  afterAll(() => {
    obj?.close();
    net?.destroy();
  });

  itIfKernel(netSkip('xdp'))('should count with XDP the UDP packets sent over a veth pair from another namespace', () => {
    if (!net) throw new Error(setupError);
    const link = attachXdp(obj!.program('xdp_count_udp'), net.hostIf);
    try {
      expect(['native', 'generic']).toContain(link.mode);
      net.sendUdp(20, PORT);
      expect(u64(obj!, 'xdp_udp', 0)).toBe(20n);
    } finally {
      link.close();
    }
    net.sendUdp(5, PORT);
    expect(u64(obj!, 'xdp_udp', 0)).toBe(20n); // detached
  });

  itIfKernel(netSkip('xdp'))('should attach XDP through a bpf_link and count run statistics', () => {
    if (!net) throw new Error(setupError);
    const program = obj!.program('xdp_count_udp');
    const stats = enableRunStats();
    const before = u64(obj!, 'xdp_udp', 0);
    const link = attachXdpLink(program, net.hostIf);
    try {
      net.sendUdp(4, PORT);
      expect(u64(obj!, 'xdp_udp', 0) - before).toBe(4n);
      expect(program.info().runCount).toBeGreaterThanOrEqual(4n);
    } finally {
      link.close();
      stats.close();
    }
  });

  itIfKernel(netSkip('tc'))('should rewrite the mark with tc and see it in the next filter', () => {
    if (!net) throw new Error(setupError);
    const setMark = attachTc(obj!.program('tc_set_mark'), net.hostIf, 'ingress', { priority: 1 });
    const check = attachTc(obj!.program('tc_check_mark'), net.hostIf, 'ingress', { priority: 2 });
    try {
      net.sendUdp(12, PORT);
      expect(u64(obj!, 'tc_seen', 0)).toBe(12n);
      expect(u64(obj!, 'tc_seen', 1)).toBe(12n); // every one carried the mark set by the first filter
    } finally {
      check.close();
      setMark.close();
    }
    net.sendUdp(3, PORT);
    expect(u64(obj!, 'tc_seen', 0)).toBe(12n);
  });

  itIfKernel(netSkip('socket_filter'))('should filter datagrams on a socket', async () => {
    const c = libc();
    const fd = c.socket(2, 2 | 0o4000, 0); // AF_INET, SOCK_DGRAM | SOCK_NONBLOCK
    expect(fd).toBeGreaterThanOrEqual(0);
    const addr = Buffer.alloc(16);
    addr.writeUInt16LE(2, 0);
    addr.writeUInt32BE(0x7f000001, 4);
    expect(c.bind(fd, addr, 16)).toBe(0); // port 0: the kernel picks one
    const bound = Buffer.alloc(16);
    const len = new Uint32Array([16]);
    expect(c.getsockname(fd, bound, len)).toBe(0);
    const port = bound.readUInt16BE(2);
    const link = attachSocketFilter(obj!.program('sock_drop_d'), fd);
    const sender = createSocket('udp4');
    try {
      for (const text of ['keep1', 'drop1', 'keep2', 'drop2', 'drop3', 'keep3']) {
        await new Promise<void>((res, rej) => sender.send(text, port, '127.0.0.1', (e) => (e ? rej(e) : res())));
      }
      await new Promise((r) => setTimeout(r, 50));
      const received: string[] = [];
      const buf = Buffer.alloc(64);
      for (;;) {
        const n = Number(c.recv(fd, buf, 64, 0));
        if (n < 0) break;
        received.push(buf.toString('utf8', 0, n));
      }
      expect(received).toEqual(['keep1', 'keep2', 'keep3']);
      expect(u64(obj!, 'sock_seen', 0)).toBe(6n);
      expect(u64(obj!, 'sock_seen', 1)).toBe(3n);
    } finally {
      link.close();
      sender.close();
      c.close(fd);
    }
  });
});
