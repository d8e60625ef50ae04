import { jitEngine } from '../runner/engine.js';
import { corpusBuilt, differentialCases, kernelFixtures, runDifferentialCase } from '../testing/differential.js';

/**
 * The VM's kernel differential cases run through the JIT: retval, data out, ctx out and every map must
 * match the kernel's. The JIT gets the VM's maps, so map lookups take its fast path; a fallback to the
 * interpreter fails the case.
 */
if (!corpusBuilt) console.log('tests/bpf/build is missing (run bash tests/bpf/build.sh): skipping the JIT differential tests');
const maybe = corpusBuilt ? describe : describe.skip;

maybe('JIT against the kernel (BPF_PROG_TEST_RUN fixtures)', () => {
  const recorded = differentialCases.filter((c) => !kernelFixtures.results[c.name]?.error);
  it.each(recorded.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const engine = jitEngine({
      onFallback: (p, reason) => {
        throw new Error(`JIT refused ${p.name}: ${reason}`);
      },
    });
    const { got, want } = runDifferentialCase(c, kernelFixtures.results[c.name]!, engine);
    expect(got).toEqual(want);
  });
});
