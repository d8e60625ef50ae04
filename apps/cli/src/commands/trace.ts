import { Option } from 'commander';
import { parseBtf, type Btf } from '@bpfleet/btf';
import { BpfMapType, ElfError, loadBpfObject, objectNameFromPath } from '@bpfleet/elf';
import {
  attachProgram,
  KernelError,
  KernelLoadError,
  loadObject,
  ensureMounted,
  KernelUnavailableError,
  TRACEFS,
  RingBufferReader,
  type KernelObject,
  type Link,
} from '@bpfleet/kernel';
import { RefusedError, UsageError } from '../errors.js';
import { readInputFile, type CliIo } from '../io.js';
import { MapDecoder } from './trace-format.js';
import { parseDuration } from './trace-duration.js';
import { kernelMapReader, TracePrinter } from './trace-printer.js';
import type { VmSourceFlags } from './trace-vm.js';
import type { RegisterCommand } from './index.js';

interface TraceOptions extends VmSourceFlags {
  program?: string;
  duration: string;
  interval: string;
  engine: 'kernel' | 'vm';
  json?: boolean;
  interface?: string;
}

/** Stops a trace early (SIGINT in the CLI, tests pass their own). */
export interface TraceControl {
  readonly signal?: AbortSignal;
}

function refuse(e: unknown, file: string): never {
  if (e instanceof KernelUnavailableError) throw new RefusedError(`${e.message}; try --engine vm`);
  if (e instanceof KernelLoadError && !e.log && (e.errno === 1 || e.errno === 13)) {
    throw new RefusedError(`${file}: this process may not load BPF programs (needs root or CAP_BPF): ${e.message}`);
  }
  if (e instanceof KernelLoadError) {
    throw new RefusedError(`${file}: the kernel refused ${e.program ? `program ${e.program}` : 'the object'} (${e.message})\n${e.log || e.libbpfLog}`);
  }
  if (e instanceof KernelError || e instanceof ElfError) throw new RefusedError(`${file}: ${e.message}`);
  throw e;
}

/** Loads, attaches and prints maps every interval and ring-buffer records as they come. */
export async function runTrace(file: string, opts: TraceOptions, io: CliIo, control: TraceControl = {}): Promise<void> {
  const durationMs = parseDuration(opts.duration, '--duration');
  const intervalMs = parseDuration(opts.interval, '--interval');
  if (opts.engine === 'vm') {
    // Loaded on demand: the VM engine brings in the agent's event sources.
    const { runTraceVm } = await import('./trace-vm.js');
    return runTraceVm(file, { ...opts, durationMs, intervalMs }, io, control);
  }
  const bytes = await readInputFile(file);
  let btf: Btf | undefined;
  let objectName = objectNameFromPath(file);
  try {
    const spec = loadBpfObject(bytes, { name: objectName });
    objectName = spec.name;
    btf = spec.btfBytes ? parseBtf(spec.btfBytes) : undefined;
  } catch (e) {
    refuse(e, file);
  }
  // Tracepoints need tracefs; mount it when missing and allowed (the full capability probe is not needed).
  ensureMounted(TRACEFS, 'tracefs', true);

  let obj: KernelObject;
  try {
    obj = loadObject(bytes, { name: objectName, programs: opts.program ? [opts.program] : undefined });
  } catch (e) {
    refuse(e, file);
  }
  const links: Link[] = [];
  const readers: RingBufferReader[] = [];
  const printer = new TracePrinter(new MapDecoder(btf), io, opts.json ?? false);
  try {
    for (const program of obj.programs.values()) {
      try {
        links.push(attachProgram(program, { interface: opts.interface }));
      } catch (e) {
        refuse(e, file);
      }
      if (!opts.json) io.out(`attached ${program.name} (${program.section})`);
    }
    for (const map of obj.maps.values()) {
      if (map.type !== BpfMapType.RINGBUF) continue;
      readers.push(
        new RingBufferReader(map, {
          onRecord: (r) => printer.event(map.name, r),
          onError: (e) => io.err(`bpfleet: ${map.name}: ${(e as Error).message}`),
        }),
      );
    }
    if (!opts.json) io.out(`tracing for ${opts.duration}, maps every ${opts.interval}; Ctrl-C to stop`);

    const mapReaders = [...obj.maps.values()].map(kernelMapReader);
    const printMaps = () => printer.maps(mapReaders);

    await new Promise<void>((resolve) => {
      const timer = setInterval(printMaps, intervalMs);
      const finish = () => {
        clearInterval(timer);
        clearTimeout(deadline);
        control.signal?.removeEventListener('abort', finish);
        resolve();
      };
      const deadline = setTimeout(finish, durationMs);
      if (control.signal?.aborted) finish();
      control.signal?.addEventListener('abort', finish);
    });
    for (const r of readers) r.consume();
    printMaps();
  } finally {
    for (const r of readers) r.close();
    for (const l of links) {
      try {
        l.close();
      } catch (e) {
        io.err(`bpfleet: detach ${l.description}: ${(e as Error).message}`);
      }
    }
    obj.close();
  }
  if (!opts.json) io.out('detached');
}

/**
 * `bpfleet trace FILE.o [--program NAME] [--duration 30s] [--interval 1s] [--engine kernel|vm] [--json]`
 * `  [--replay REC | --interface IF | --pcap FILE | --app-socket PATH] [--speed N|max] [--frequency HZ]`
 */
export const registerTrace: RegisterCommand = (program, io) => {
  program
    .command('trace')
    .description('load and attach a BPF object on this host, print its maps every interval (BTF-decoded) and ring-buffer events; Ctrl-C detaches')
    .argument('<file>', 'ELF object from clang -target bpf')
    .option('--program <name>', 'only this program')
    .option('--duration <time>', 'how long to trace (e.g. 30s, 2m)', '30s')
    .option('--interval <time>', 'how often to print the maps', '1s')
    .addOption(new Option('--engine <engine>', 'where programs run').choices(['kernel', 'vm']).default('kernel'))
    .option('--interface <name>', 'network interface for xdp and tc programs (vm: frames read through AF_PACKET)')
    .option('--replay <file>', 'vm: replay a recording (bpfleet record) to tracepoint and raw_tp programs')
    .option('--pcap <file>', 'vm: replay a pcap/pcapng file to packet programs')
    .option('--app-socket <path>', 'vm: Unix socket for application events ({"probe": NAME, "payload": HEX} lines)')
    .option('--speed <n|max>', 'vm: pace of --replay/--pcap: N x the recorded pace, or max (default 1)')
    .option('--frequency <hz>', 'vm: samples per second per CPU for perf_event programs (default 99)')
    .option('--json', 'one JSON object per line: {type:"maps"} every interval, {type:"event"} per record')
    .action(async (file: string, opts: TraceOptions) => {
      if (opts.program !== undefined && opts.program.trim() === '') throw new UsageError('--program needs a name');
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        await runTrace(file, opts, io, { signal: abort.signal });
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
};
