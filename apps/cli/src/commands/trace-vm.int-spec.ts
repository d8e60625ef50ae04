import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeKernel } from '@bpfleet/kernel';
import { writePcap } from '@bpfleet/vm-host';
import { corpusPath as corpus, openatRecording } from '@bpfleet/vm-host/testing';
import { main } from '../main.js';
import type { CliIo } from '../io.js';
import { capture } from '../testing/capture.js';

const caps = probeKernel({ helpers: false });
const recordSkip = !caps.canLoad ? 'cannot load BPF programs here' : !caps.attach.tracepoint.ok ? `tracepoints refused (${caps.attach.tracepoint.reason})` : undefined;
if (recordSkip) console.log(`skipping bpfleet record test: ${recordSkip}`);

function frame(n: number): Uint8Array {
  const f = new Uint8Array(60);
  f[12] = 0x08;
  f[59] = n;
  return f;
}

const run = (io: CliIo, ...args: string[]) => main(['node', 'bpfleet', ...args], io);

describe('bpfleet trace --engine vm', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'bpfleet-trace-vm-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should run an xdp program on the frames of a pcap file and print its map like the kernel engine', async () => {
    const pcap = join(dir, 'frames.pcap');
    writeFileSync(pcap, writePcap(Array.from({ length: 25 }, (_, i) => ({ timestampNs: BigInt(i) * 1_000n, data: frame(i) }))));
    const io = capture();
    expect(await run(io, 'trace', corpus('minimal'), '--engine', 'vm', '--pcap', pcap, '--speed', 'max', '--interval', '100ms', '--duration', '20s')).toBe(0);
    const text = io.text();
    expect(text).toContain(`running count_packets in the VM on pcap ${pcap}`);
    expect(text).toMatch(/^@counter: 1 entry$/m);
    expect(text.trim().split('\n').filter((l) => /^ {2}0 => 25$/.test(l)).length).toBeGreaterThanOrEqual(1); // the final print
    expect(text).toContain('done: 25 runs');
  });

  it('should print JSON lines with the same maps', async () => {
    const pcap = join(dir, 'three.pcap');
    writeFileSync(pcap, writePcap([1n, 2n, 3n].map((timestampNs) => ({ timestampNs, data: frame(1) }))));
    const io = capture();
    expect(await run(io, 'trace', corpus('minimal'), '--engine', 'vm', '--pcap', pcap, '--speed', 'max', '--json', '--interval', '1s')).toBe(0);
    const last = JSON.parse(io.lines.at(-1)!) as { type: string; maps: Record<string, { key: unknown; value: unknown }[]> };
    expect(last.type).toBe('maps');
    expect(last.maps.counter).toEqual([{ key: 0, value: 3 }]);
  });

  it('should replay a recording into a tracepoint program with the recorded tasks', async () => {
    const rec = join(dir, 'openat.bprec');
    writeFileSync(rec, openatRecording([{ pid: 10, comm: 'cat' }, { pid: 10, comm: 'cat' }, { pid: 77, comm: 'nginx' }]));
    const io = capture();
    expect(await run(io, 'trace', corpus('kernel_openat'), '--engine', 'vm', '--replay', rec, '--interval', '1s')).toBe(0);
    expect(io.text()).toContain('{ pid: 10, comm: "cat" } => 2');
    expect(io.text()).toContain('{ pid: 77, comm: "nginx" } => 1');
  });

  it('should sample perf_event programs without a flag', async () => {
    const io = capture();
    expect(await run(io, 'trace', corpus('perf_event_oncpu'), '--engine', 'vm', '--frequency', '200', '--duration', '400ms', '--interval', '1s')).toBe(0);
    expect(io.text()).toMatch(/running on_cpu_sample in the VM on perf sampling 200 Hz/);
    expect(io.text()).toMatch(/^@samples: [1-9]\d* entr/m);
    expect(io.text()).toMatch(/^@last_period: 1 entry\n {2}0 => 5000000$/m);
  });

  it('should refuse with a usage error naming the flag when no source fits the program type', async () => {
    const io = capture();
    expect(await run(io, 'trace', corpus('kernel_openat'), '--engine', 'vm', '--duration', '1s')).toBe(2);
    expect(io.text()).toContain('count_openat (tracepoint/syscalls/sys_enter_openat): --replay REC');
    const pcap = join(dir, 'one.pcap');
    writeFileSync(pcap, writePcap([{ timestampNs: 0n, data: frame(0) }]));
    const io2 = capture();
    expect(await run(io2, 'trace', corpus('kernel_openat'), '--engine', 'vm', '--pcap', pcap)).toBe(2);
    const io3 = capture();
    expect(await run(io3, 'trace', corpus('minimal'), '--engine', 'vm', '--pcap', pcap, '--speed', 'warp')).toBe(2);
  });

  (process.getuid?.() !== 0 ? it.skip : it)('should count frames of a live interface (AF_PACKET on a veth from a test namespace)', async () => {
    const ns = `bpfleet-tv${process.pid % 100000}`;
    const hostIf = `bftv${process.pid % 100000}a`.slice(0, 15);
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const cleanup = () => {
      for (const args of [['netns', 'del', ns], ['link', 'del', hostIf]]) {
        try {
          ip(...args);
        } catch {
          // already gone
        }
      }
    };
    cleanup();
    try {
      ip('netns', 'add', ns);
      ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'tvpeer', 'netns', ns);
      ip('addr', 'add', '10.234.1.1/24', 'dev', hostIf);
      ip('link', 'set', hostIf, 'up');
      ip('-n', ns, 'addr', 'add', '10.234.1.2/24', 'dev', 'tvpeer');
      ip('-n', ns, 'link', 'set', 'tvpeer', 'up');
      const io = capture();
      const traced = run(io, 'trace', corpus('kernel_net'), '--engine', 'vm', '--program', 'xdp_count_udp', '--interface', hostIf, '--duration', '1500ms', '--interval', '1s');
      await new Promise((r) => setTimeout(r, 300));
      execFileSync('ip', ['netns', 'exec', ns, 'bash', '-c', 'for i in $(seq 12); do echo x > /dev/udp/10.234.1.1/9999; done']);
      expect(await traced).toBe(0);
      expect(io.text()).toContain(`running xdp_count_udp in the VM on interface ${hostIf}`);
      expect(io.text()).toMatch(/^@xdp_udp: 1 entry\n {2}0 => 12$/m);
    } finally {
      cleanup();
    }
  });

  (recordSkip ? it.skip : it)('should record openat on this kernel with bpfleet record and replay it with trace --engine vm', async () => {
    const rec = join(dir, 'live.bprec');
    const io = capture();
    const opener = setInterval(() => execFileSync('cat', ['/proc/self/stat']), 20);
    try {
      expect(await run(io, 'record', corpus('kernel_openat'), '--duration', '400ms', '-o', rec)).toBe(0);
    } finally {
      clearInterval(opener);
    }
    expect(io.text()).toMatch(/syscalls\/sys_enter_openat: \d+ records \(48 bytes each\)/);
    const io2 = capture();
    expect(await run(io2, 'trace', corpus('kernel_openat'), '--engine', 'vm', '--replay', rec, '--speed', 'max', '--interval', '1s')).toBe(0);
    expect(io2.text()).toMatch(/\{ pid: \d+, comm: "cat" \} => [1-9]/);
    const io3 = capture();
    expect(await run(io3, 'record', corpus('minimal'), '--duration', '100ms', '-o', join(dir, 'x.bprec'))).toBe(2);
  });
});
