import { assemble } from '@bpfleet/isa';
import { AddressSpace } from '@bpfleet/vm';
import { DecodedProgram } from '../../libs/bpf/vm/src/interpreter/program.js';
import { RunContext } from '../../libs/bpf/vm/src/interpreter/run-context.js';
import { JitEngine } from '../../libs/bpf/vm/src/jit/engine.js';
import { Interpreter } from '../../libs/bpf/vm/src/interpreter/interpreter.js';
import { TEST_ENV } from '../../libs/bpf/vm/src/jit/testing/harness.js';
const mem = new AddressSpace();
const h = new Map();
const p = new DecodedProgram(assemble('mov %r0, 1\nexit'), { helpers: h });
const ctx = new RunContext(mem, TEST_ENV);
for (const e of [new JitEngine(mem, h), new Interpreter(mem, h)]) {
  const args = [5n, 6n];
  for (let k = 0; k < 12; k++) {
    const t = performance.now();
    for (let i = 0; i < 200000; i++) e.run(p, ctx, { args });
    console.log(e.constructor.name, (((performance.now() - t) * 1e6) / 200000).toFixed(1), 'ns/run');
  }
}
