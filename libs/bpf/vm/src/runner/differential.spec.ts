import { corpusBuilt, differentialCases, kernelFixtures, runDifferentialCase } from '../testing/differential.js';

/**
 * Differential tests: each case ran in the kernel (BPF_PROG_TEST_RUN on this project's recording
 * machine, see tools/record-differential.mjs) and runs here in the VM; retval, data out, ctx out and
 * every map afterwards must be identical.
 */
if (!corpusBuilt) console.log('tests/bpf/build is missing (run bash tests/bpf/build.sh): skipping the differential tests');
const maybe = corpusBuilt ? describe : describe.skip;

maybe('VM against the kernel (BPF_PROG_TEST_RUN fixtures)', () => {
  it('should have at least 40 recorded cases', () => {
    expect(Object.values(kernelFixtures.results).filter((r) => !r.error).length).toBeGreaterThanOrEqual(40);
  });

  it.each(differentialCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const expected = kernelFixtures.results[c.name];
    expect(expected).toBeDefined();
    expect(expected!.error).toBeUndefined();
    const { got, want } = runDifferentialCase(c, expected!);
    expect(got).toEqual(want);
  });
});
