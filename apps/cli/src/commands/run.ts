import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Option } from 'commander';
import { kernelTestRun, KernelError } from '@bpfleet/kernel';
import { BpfVm, dumpMaps, interpreterEngine, jitEngine, MapError, TestRunError, toHex, VmError, VmFault, type EngineFactory } from '@bpfleet/vm';
import { RefusedError, UsageError } from '../errors.js';
import { parseObjectFile, requireProgram } from '../object-file.js';
import { readInputFile } from '../io.js';
import type { RegisterCommand } from './index.js';

interface RunOptions {
  program: string;
  data?: string;
  dataFile?: string;
  ctx?: string;
  repeat: string;
  engine: 'interp' | 'jit' | 'kernel';
  cpus?: string;
  json?: boolean;
}

/** What `bpfleet run --json` prints. */
export interface RunReport {
  readonly program: string;
  readonly engine: string;
  readonly retval: number;
  readonly dataOut: string;
  readonly ctxOut: string | null;
  readonly runs: number;
  readonly nsPerRun: number;
  readonly maps: Record<string, Record<string, string>>;
}

/** `bpfleet run FILE.o --program NAME [--data HEX | --data-file F] [--ctx HEX] [--repeat N] [--engine interp|jit|kernel] [--json]` */
export const registerRun: RegisterCommand = (program, io) => {
  program
    .command('run')
    .description('run a program of a BPF object with BPF_PROG_TEST_RUN semantics, in the VM or in the kernel')
    .argument('<file>', 'ELF object from clang -target bpf')
    .requiredOption('--program <name>', 'program (function) name')
    .option('--data <hex>', 'packet bytes in hex (xdp, tc, socket filter)')
    .option('--data-file <file>', 'packet bytes from a file')
    .option('--ctx <hex>', 'context bytes in hex (xdp_md, __sk_buff, raw_tp args, syscall ctx)')
    .option('--repeat <n>', 'runs on the same buffer (the kernel does not reset it between runs)', '1')
    .addOption(new Option('--engine <engine>', 'where to run it').choices(['interp', 'jit', 'kernel']).default('interp'))
    .option('--cpus <n>', 'CPUs of the VM (per-CPU map values); default: the possible CPUs of this machine')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: RunOptions) => {
      const report = await runCommand(file, opts);
      io.out(opts.json ? JSON.stringify(report, null, 2) : formatReport(report));
    });
};

async function runCommand(file: string, opts: RunOptions): Promise<RunReport> {
  if (opts.data !== undefined && opts.dataFile !== undefined) throw new UsageError('--data and --data-file are exclusive');
  const repeat = Number(opts.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 0x7fffffff) throw new UsageError(`--repeat must be a positive integer, got '${opts.repeat}'`);
  const data = opts.dataFile !== undefined ? await readInputFile(opts.dataFile) : opts.data !== undefined ? parseHex('--data', opts.data) : undefined;
  const ctx = opts.ctx !== undefined ? parseHex('--ctx', opts.ctx) : undefined;
  const elf = await readInputFile(file);
  if (opts.engine === 'kernel') return runInKernel(file, elf, opts.program, data, ctx, repeat);
  const object = parseObjectFile(file, elf);
  requireProgram(object, file, opts.program);
  const cpus = opts.cpus !== undefined ? Number(opts.cpus) : possibleCpus();
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 1024) throw new UsageError(`--cpus must be 1..1024, got '${opts.cpus}'`);
  const engine: EngineFactory =
    opts.engine === 'jit'
      ? jitEngine({ onFallback: (p, reason) => process.stderr.write(`bpfleet: JIT fell back to the interpreter for ${p.name}: ${reason}\n`) })
      : interpreterEngine;
  try {
    const vm = new BpfVm(object, { cpus, engine });
    const run = vm.testRun(opts.program, { data, ctx, repeat });
    return {
      program: opts.program,
      engine: opts.engine,
      retval: run.retval,
      dataOut: toHex(run.dataOut),
      ctxOut: run.ctxOut ? toHex(run.ctxOut) : null,
      runs: run.runs,
      nsPerRun: Math.round(run.nsPerRun),
      maps: dumpMaps(vm.maps),
    };
  } catch (e) {
    if (e instanceof VmFault || e instanceof VmError || e instanceof TestRunError || e instanceof MapError) {
      throw new RefusedError(`program ${opts.program}: ${e.message}`);
    }
    throw e;
  }
}

function runInKernel(file: string, elf: Uint8Array, program: string, data: Uint8Array | undefined, ctx: Uint8Array | undefined, repeat: number): RunReport {
  try {
    const base = file.slice(file.lastIndexOf('/') + 1);
    const objectName = base.includes('.') ? base.slice(0, base.indexOf('.')) : base;
    const run = kernelTestRun(elf, program, { data, ctx, repeat, objectName, ctxSizeOut: ctx?.length });
    return {
      program,
      engine: 'kernel',
      retval: run.retval,
      dataOut: toHex(run.dataOut),
      ctxOut: ctx ? toHex(run.ctxOut) : null,
      runs: run.runs,
      nsPerRun: run.nsPerRun,
      maps: run.maps,
    };
  } catch (e) {
    if (e instanceof KernelError) throw new RefusedError(`program ${program}: ${e.message}`);
    throw e;
  }
}

function parseHex(flag: string, text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '').replace(/^0x/i, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(clean)) throw new UsageError(`${flag} must be hex bytes, got '${text}'`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

/** Possible CPUs of this machine (per-CPU maps have a value for each), like libbpf counts them. */
function possibleCpus(): number {
  try {
    const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    let n = 0;
    for (const part of text.split(',')) {
      const [a, b] = part.split('-').map(Number);
      n += b === undefined ? 1 : b - a + 1;
    }
    return n > 0 ? n : availableParallelism();
  } catch {
    return availableParallelism();
  }
}

function formatReport(r: RunReport): string {
  const lines = [
    `program ${r.program} (${r.engine}): retval ${r.retval} (0x${(r.retval >>> 0).toString(16)})`,
    `runs ${r.runs}, ${r.nsPerRun} ns/run`,
    `data out: ${r.dataOut || '(empty)'}`,
    `ctx out: ${r.ctxOut ?? '(none)'}`,
  ];
  for (const [name, entries] of Object.entries(r.maps)) {
    const keys = Object.keys(entries);
    lines.push(`map ${name}: ${keys.length} entr${keys.length === 1 ? 'y' : 'ies'}`);
    for (const key of keys) lines.push(`  ${key || '(no key)'}: ${entries[key]}`);
  }
  return lines.join('\n');
}
