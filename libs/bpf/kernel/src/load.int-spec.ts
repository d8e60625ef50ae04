import { readdirSync } from 'node:fs';
import { KernelLoadError } from './errors.js';
import { kernelTestRun } from './kernel-test-run.js';
import { loadObject } from './object.js';
import { corpusObject, itIfKernel, kernelSkipReason } from './testing/fixtures.js';
import { toHex } from './hex.js';

const skip = kernelSkipReason();
const kit = itIfKernel(skip);

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('loadObject', () => {
  kit('should return the kernel verifier log when the kernel rejects a program', () => {
    const elf = corpusObject('kernel_reject');
    let error: unknown;
    try {
      loadObject(elf, { name: 'kernel_reject' }).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KernelLoadError);
    const e = error as KernelLoadError;
    expect(e.code).toBe('EKERNEL_LOAD');
    expect(e.program).toBe('missing_null_check');
    expect(e.errno).toBe(13);
    expect(e.log).toContain("R0 invalid mem access 'map_value_or_null'");
    expect(e.log).toContain('kernel_reject.bpf.c:');
    expect(e.message).toContain('map_value_or_null');
  });

  kit('should refuse bytes that are not an ELF object with a typed error', () => {
    expect(() => loadObject(new Uint8Array([1, 2, 3, 4]))).toThrow(KernelLoadError);
  });

  kit('should load and unload 1,000 times without leaking file descriptors', () => {
    const elf = corpusObject('minimal');
    // Warm up once: libbpf opens a few long-lived fds (feature probes, vmlinux BTF) on first use.
    loadObject(elf, { name: 'minimal' }).close();
    const before = openFds();
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < 1000; i++) {
      const obj = loadObject(elf, { name: 'minimal' });
      obj.program('count_packets').testRun({ data: new Uint8Array(64) });
      obj.close();
    }
    expect(openFds()).toBe(before);
    // Native memory: 1,000 loads each allocating ~1 MiB of log buffer would show if leaked.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  }, 120_000);

  kit('should load only the programs asked for', () => {
    const obj = loadObject(corpusObject('kernel_net'), { name: 'kernel_net', programs: ['xdp_count_udp'] });
    try {
      expect([...obj.programs.keys()]).toEqual(['xdp_count_udp']);
    } finally {
      obj.close();
    }
  });
});

describe('kernelTestRun', () => {
  kit('should run an XDP program and return its data, retval and maps as hex', () => {
    const data = new Uint8Array(64).fill(7);
    const r = kernelTestRun(corpusObject('minimal'), 'count_packets', { data, repeat: 5 });
    expect(r.retval).toBe(2); // XDP_PASS
    expect(r.runs).toBe(5);
    expect(r.nsPerRun).toBeGreaterThanOrEqual(0);
    expect(toHex(r.dataOut)).toBe(toHex(data));
    expect(r.maps).toEqual({ counter: { '00000000': '0500000000000000' } });
  });

  kit('should pass ctx in and out: a tc program sets the skb mark', () => {
    const packet = udpPacket(9999);
    const ctx = new Uint8Array(192); // struct __sk_buff
    const r = kernelTestRun(corpusObject('kernel_net'), 'tc_set_mark', { data: packet, ctx });
    expect(r.retval).toBe(0xffffffff); // TC_ACT_UNSPEC (-1)
    const mark = new DataView(r.ctxOut.buffer, r.ctxOut.byteOffset).getUint32(8, true); // __sk_buff.mark
    expect(mark).toBe(0x2a);
  });

  kit('should report per-CPU values concatenated CPU by CPU', () => {
    const r = kernelTestRun(corpusObject('kernel_net'), 'xdp_count_udp', { data: udpPacket(9999), repeat: 3 });
    const value = r.maps.xdp_udp!['00000000']!;
    // Test runs happen on one CPU: the slots sum to 3.
    const slots = value.match(/.{16}/g)!.map((h) => Buffer.from(h, 'hex').readBigUInt64LE());
    expect(slots.reduce((a, b) => a + b, 0n)).toBe(3n);
  });
});

/** Ethernet + IPv4 + UDP to `port`. */
export function udpPacket(port: number): Uint8Array {
  const b = Buffer.alloc(14 + 20 + 8 + 4);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(20 + 8 + 4, 16);
  b[22] = 64;
  b[23] = 17;
  b.writeUInt32BE(0x7f000001, 26);
  b.writeUInt32BE(0x7f000001, 30);
  b.writeUInt16BE(40000, 34);
  b.writeUInt16BE(port, 36);
  b.writeUInt16BE(12, 38);
  return new Uint8Array(b);
}
