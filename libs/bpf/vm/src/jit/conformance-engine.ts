import { conformanceHelpers, type ConformanceEngine } from '../conformance/conformance.js';
import { DecodedProgram } from '../interpreter/program.js';
import { RunContext } from '../interpreter/run-context.js';
import { AddressSpace } from '../memory/address-space.js';
import { PERM_RW, RegionKind } from '../memory/layout.js';
import { defaultEnv } from '../runner/env.js';
import { JitEngine } from './engine.js';

/**
 * The JIT as a conformance engine (`bpfleet conformance --engine jit`): a fresh address space per
 * test, like the interpreter's. A program the compiler refuses is an error here, not a silent run in
 * the interpreter, so the suite measures the JIT itself.
 */
export const jitConformanceEngine: ConformanceEngine = {
  name: 'jit',
  run(insns, memBytes) {
    const mem = new AddressSpace({ initialBytes: 256 * 1024 });
    const helpers = conformanceHelpers();
    const engine = new JitEngine(mem, helpers, {
      onFallback: (_program, reason) => {
        throw new Error(`the JIT cannot compile this program: ${reason}`);
      },
    });
    const program = new DecodedProgram(insns, { helpers, name: 'conformance', lateHelperBinding: true });
    let address = 0n;
    if (memBytes.length > 0) {
      const region = mem.allocate('mem', RegionKind.Input, memBytes.length, PERM_RW);
      mem.u8.set(memBytes, region.base);
      address = BigInt(region.base);
    }
    const ctx = new RunContext(mem, defaultEnv());
    return engine.run(program, ctx, { args: [address, BigInt(memBytes.length)], budget: 10_000_000 }).r0;
  },
};
