import { probeKernel } from './probe.js';

describe('probeKernel', () => {
  it('should report the kernel, libbpf and what attaches here', () => {
    const caps = probeKernel({ refresh: true });
    console.log(JSON.stringify({ ...caps, helpers: Object.fromEntries(Object.entries(caps.helpers).map(([k, v]) => [k, v.length])) }, null, 1));
    expect(caps.kernelRelease).toMatch(/^\d+\.\d+/);
    if (!caps.libbpf.available) return;
    expect(caps.libbpf.version).toMatch(/^v?1\./);
    expect(caps.possibleCpus).toBeGreaterThan(0);
    if (!caps.canLoad) return;
    expect(caps.programTypes.xdp).toBe(true);
    expect(caps.mapTypes.hash).toBe(true);
    expect(caps.attach.socket_filter).toEqual({ ok: true });
    expect(caps.helpers.xdp).toContain(1); // bpf_map_lookup_elem
    expect(probeKernel()).toBe(caps); // cached
  });
});
