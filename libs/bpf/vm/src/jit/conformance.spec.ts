import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConformanceFile } from '@bpfleet/isa';
import { runConformanceText } from '../conformance/conformance.js';
import { jitConformanceEngine } from './conformance-engine.js';
import { conformanceProgram, DualRunner } from './testing/harness.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
const suite = path.resolve(repoRoot, '../shared/conformance/tests');
const files = existsSync(suite) ? readdirSync(suite).filter((f) => f.endsWith('.data')).sort() : [];
if (files.length === 0) console.log(`jit conformance: skipped, no suite at ${suite}`);

describe('JIT conformance (bpf_conformance .data files)', () => {
  const runner = new DualRunner();
  const maybe = files.length > 0 ? it : it.skip;

  maybe('should pass every test and agree with the interpreter on r0, memory and instructions executed', () => {
    const failures: string[] = [];
    let passed = 0;
    for (const file of files) {
      const test = parseConformanceFile(readFileSync(path.join(suite, file), 'utf8'));
      const insns = conformanceProgram(test);
      const jit = runner.run('jit', insns, test.mem);
      const interp = runner.run('interpreter', insns, test.mem);
      if (jit.error !== undefined || jit.r0 !== test.result) {
        failures.push(`${file}: expected 0x${test.result?.toString(16)}, got ${jit.error ?? `0x${jit.r0!.toString(16)}`}`);
        continue;
      }
      if (interp.r0 !== jit.r0 || interp.insns !== jit.insns || Buffer.compare(interp.mem, jit.mem) !== 0) {
        failures.push(`${file}: JIT and interpreter disagree (r0 ${jit.r0} vs ${interp.r0}, insns ${jit.insns} vs ${interp.insns})`);
        continue;
      }
      passed++;
    }
    console.log(`jit conformance: ${passed}/${files.length} passed`);
    expect(failures).toEqual([]);
    expect(passed).toBe(files.length);
  });
});

describe('jitConformanceEngine', () => {
  const maybe = files.length > 0 ? it : it.skip;
  maybe('should pass the whole suite through the shared conformance runner', () => {
    const outcomes = files.map((file) => runConformanceText(file, readFileSync(path.join(suite, file), 'utf8'), jitConformanceEngine));
    expect(outcomes.filter((o) => o.status !== 'pass')).toEqual([]);
  });
});
