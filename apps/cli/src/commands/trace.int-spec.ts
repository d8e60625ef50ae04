import { closeSync, openSync } from 'node:fs';
import { probeKernel } from '@bpfleet/kernel';
import { corpusPath as corpus } from '@bpfleet/vm-host/testing';
import { main } from '../main.js';
import { capture } from '../testing/capture.js';
import { runTrace } from './trace.js';

const caps = probeKernel({ helpers: false });
const skip = !caps.canLoad ? 'cannot load BPF programs here' : !caps.attach.tracepoint.ok ? `tracepoints refused (${caps.attach.tracepoint.reason})` : undefined;
if (skip) console.log(`skipping trace tests: ${skip}`);
const kit = skip ? it.skip : it;

describe('bpfleet trace', () => {
  kit('should attach a tracepoint program and print its map decoded by BTF every interval', async () => {
    const io = capture();
    const opener = setInterval(() => closeSync(openSync('/proc/self/stat', 'r')), 20);
    try {
      expect(await main(['node', 'bpfleet', 'trace', corpus('kernel_openat'), '--duration', '1200ms', '--interval', '500ms'], io)).toBe(0);
    } finally {
      clearInterval(opener);
    }
    const text = io.lines.join('\n');
    expect(text).toContain('attached count_openat (tracepoint/syscalls/sys_enter_openat)');
    expect(text.match(/^--- /gm)!.length).toBeGreaterThanOrEqual(3); // two intervals and the final print
    expect(text).toMatch(new RegExp(`\\{ pid: ${process.pid}, comm: "[^"]+" \\} => \\d+`));
    expect(text).toContain('detached');
  });

  kit('should draw a log2 histogram like bpftrace', async () => {
    const io = capture();
    expect(await main(['node', 'bpfleet', 'trace', corpus('rawtp_syscall_latency'), '--duration', '600ms', '--interval', '1s'], io)).toBe(0);
    const text = io.lines.join('\n');
    expect(text).toContain('@latency_log2 (log2 histogram)');
    expect(text).toMatch(/^\[\d+[KMG]?, \d+[KMG]?\)\s+\d+ \|@+\s*\|$/m);
  });

  kit('should print JSON lines and stop when aborted (Ctrl-C)', async () => {
    const io = capture();
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const started = Date.now();
    await runTrace(corpus('kernel_openat'), { duration: '30s', interval: '100ms', engine: 'kernel', json: true }, io, { signal: abort.signal });
    expect(Date.now() - started).toBeLessThan(5000);
    const parsed = io.lines.map((l) => JSON.parse(l) as { type: string; maps?: Record<string, unknown[]> });
    expect(parsed.every((p) => p.type === 'maps')).toBe(true);
    expect(parsed.at(-1)!.maps!.opens!.length).toBeGreaterThan(0);
  });

  it('should refuse bad durations', async () => {
    const io = capture();
    expect(await main(['node', 'bpfleet', 'trace', corpus('kernel_openat'), '--duration', 'soon'], io)).toBe(2);
  });

  kit('should return the verifier log when the kernel refuses the object', async () => {
    const io = capture();
    expect(await main(['node', 'bpfleet', 'trace', corpus('kernel_reject'), '--duration', '1s'], io)).toBe(1);
    expect(io.lines.join('\n')).toContain("R0 invalid mem access 'map_value_or_null'");
  });
});
