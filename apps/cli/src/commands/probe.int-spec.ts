import { main } from '../main.js';
import { capture } from '../testing/capture.js';

describe('bpfleet probe', () => {
  it('should print the capability report as JSON', async () => {
    const io = capture();
    expect(await main(['node', 'bpfleet', 'probe', '--json', '--no-helpers'], io)).toBe(0);
    const report = JSON.parse(io.text()) as { kernelRelease: string; attach: Record<string, { ok: boolean }>; libbpf: { available: boolean } };
    expect(report.kernelRelease).toMatch(/^\d+\./);
    expect(Object.keys(report.attach)).toEqual(expect.arrayContaining(['tracepoint', 'xdp', 'kprobe', 'fentry']));
  });

  it('should print a readable report', async () => {
    const io = capture();
    expect(await main(['node', 'bpfleet', 'probe', '--no-helpers'], io)).toBe(0);
    expect(io.text()).toMatch(/^kernel\s+\d/m);
    expect(io.text()).toMatch(/^attach:$/m);
    expect(io.text()).toMatch(/^ {2}tracepoint\s+(ok|no)/m);
  });
});
