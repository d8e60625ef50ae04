import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import {
  AddressSpace,
  conformanceHelpers,
  DecodedProgram,
  defaultEnv,
  interpreterConformanceEngine,
  JitEngine,
  PERM_RW,
  RegionKind,
  RunContext,
  runConformanceText,
  type ConformanceEngine,
} from '@bpfleet/vm';
import { RefusedError, UsageError } from '../errors.js';
import type { RegisterCommand } from './index.js';

interface ConformanceOptions {
  engine: 'interp' | 'jit';
  json?: boolean;
}

/** The JIT as a conformance engine: a fresh address space per test, like the interpreter's. */
const jitConformanceEngine: ConformanceEngine = {
  name: 'jit',
  run(insns, memBytes) {
    const mem = new AddressSpace({ initialBytes: 256 * 1024 });
    const helpers = conformanceHelpers();
    let fallback: string | undefined;
    const jit = new JitEngine(mem, helpers, { onFallback: (_p, reason) => (fallback = reason) });
    const program = new DecodedProgram(insns, { helpers, name: 'conformance', lateHelperBinding: true });
    let address = 0n;
    if (memBytes.length > 0) {
      const region = mem.allocate('mem', RegionKind.Input, memBytes.length, PERM_RW);
      mem.u8.set(memBytes, region.base);
      address = BigInt(region.base);
    }
    const r0 = jit.run(program, new RunContext(mem, defaultEnv()), { args: [address, BigInt(memBytes.length)], budget: 10_000_000 }).r0;
    if (fallback !== undefined) throw new Error(`not compiled (${fallback})`);
    return r0;
  },
};

/** `bpfleet conformance DIR [--engine interp|jit] [--json]` */
export const registerConformance: RegisterCommand = (program, io) => {
  program
    .command('conformance')
    .description('run bpf_conformance .data tests (e.g. ../shared/conformance/tests) in the VM')
    .argument('<dir>', 'directory of .data files (or one .data file)')
    .addOption(new Option('--engine <engine>', 'engine to run them with').choices(['interp', 'jit']).default('interp'))
    .option('--json', 'print {"passed", "failed", "failures": [{"file", "expected", "got"}]}')
    .action(async (dir: string, opts: ConformanceOptions) => {
      const files = await listDataFiles(dir);
      const engine = opts.engine === 'jit' ? jitConformanceEngine : interpreterConformanceEngine;
      const failures: { file: string; expected: string; got: string }[] = [];
      let passed = 0;
      for (const file of files) {
        const outcome = runConformanceText(path.basename(file), await readFile(file, 'utf8'), engine);
        if (outcome.status === 'pass') passed++;
        else failures.push({ file: outcome.file, expected: outcome.expected, got: outcome.got });
      }
      if (opts.json) {
        io.out(JSON.stringify({ passed, failed: failures.length, failures }, null, 2));
      } else {
        for (const f of failures) io.out(`FAIL ${f.file}: expected ${f.expected}, got ${f.got}`);
        io.out(`${passed}/${files.length} passed (${opts.engine})`);
      }
      if (failures.length > 0) throw new RefusedError(`${failures.length} of ${files.length} conformance tests failed`);
    });
};

async function listDataFiles(dir: string): Promise<string[]> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new UsageError(`cannot read ${dir}`);
  }
  if (info.isFile()) return [dir];
  const names = (await readdir(dir)).filter((n) => n.endsWith('.data')).sort();
  if (names.length === 0) throw new UsageError(`no .data files in ${dir}`);
  return names.map((n) => path.join(dir, n));
}
