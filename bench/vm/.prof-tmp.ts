import { AddressSpace, PERM_RW, RegionKind, Interpreter, DecodedProgram, RunContext, defaultEnv } from '@bpfleet/vm';
import { vmBenchPrograms } from '/work/main/bench/vm/jit-programs.ts';
for (const bench of vmBenchPrograms()) {
  const mem = new AddressSpace();
  const helpers = new Map();
  const engine = new Interpreter(mem, helpers);
  const region = mem.allocate('input', RegionKind.Input, Math.max(1, bench.input.length), PERM_RW);
  mem.u8.set(bench.input, region.base);
  const program = new DecodedProgram(bench.insns, { helpers, name: bench.name });
  const ctx = new RunContext(mem, defaultEnv());
  const args = [BigInt(region.base), BigInt(bench.input.length)];
  let insns = 0;
  const warmEnd = performance.now() + 1500; while (performance.now() < warmEnd) insns = engine.run(program, ctx, { args }).insns;
  const n = Math.max(200, Math.round(3e8 / (insns * 20)));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) engine.run(program, ctx, { args });
  const ns = ((performance.now() - t0) * 1e6) / n;
  console.log(bench.name, insns, 'insns', ns.toFixed(0), 'ns/run', (ns / insns).toFixed(2), 'ns/insn');
}
