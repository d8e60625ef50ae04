import { parseBtf, type Btf } from '@bpfleet/btf';
import { BpfProgType, type BpfObject, type BpfProgramSpec } from '@bpfleet/elf';
import { possibleCpus } from '@bpfleet/kernel';
import { RingBufMap } from '@bpfleet/vm';
import {
  AppEventSource,
  InterfacePacketSource,
  PcapPacketSource,
  PerfSamplingSource,
  ReplaySource,
  VmRunningProgram,
  deliverEvent,
  packetDirections,
  parseReplaySpeed,
  type VmEventSource,
} from '@bpfleet/vm-host';
import { RefusedError, UsageError } from '../errors.js';
import { parseObjectFile, requireProgram } from '../object-file.js';
import { readInputFile, type CliIo } from '../io.js';
import { MapDecoder } from './trace-format.js';
import { TracePrinter, vmMapReader } from './trace-printer.js';

/** Where VM programs get their events from (`bpfleet trace --engine vm`). */
export interface VmSourceFlags {
  /** A recording from `bpfleet record`, for tracepoint and raw_tp programs. */
  replay?: string;
  /** A pcap/pcapng file, for packet programs. */
  pcap?: string;
  /** A Unix socket for application events. */
  appSocket?: string;
  /** Pace of --replay/--pcap: `1` as recorded (default), N times faster, or `max`. */
  speed?: string;
  /** perf_event programs: samples per second per CPU. */
  frequency?: string;
}

export interface VmTraceRun extends VmSourceFlags {
  program?: string;
  json?: boolean;
  /** A live interface read through AF_PACKET, for packet programs. */
  interface?: string;
  duration: string;
  interval: string;
  durationMs: number;
  intervalMs: number;
}

const VM_BUDGET = 1_000_000;

/** Which flag would give a program events, for the usage error. */
function sourceHint(spec: BpfProgramSpec): string {
  if (packetDirections(spec).length > 0) return '--interface IF (live, AF_PACKET) or --pcap FILE';
  if (spec.type === BpfProgType.TRACEPOINT || spec.type === BpfProgType.RAW_TRACEPOINT || spec.type === BpfProgType.RAW_TRACEPOINT_WRITABLE) return '--replay REC (written by bpfleet record on a kernel host) or --app-socket PATH';
  return '--app-socket PATH (application events)';
}

function objectOf(bytes: Uint8Array, file: string, program: string | undefined): { object: BpfObject; btf: Btf | undefined } {
  let object = parseObjectFile(file, bytes);
  if (program !== undefined) {
    requireProgram(object, file, program);
    // Only the chosen program runs; the others stay in the object (tail calls may name them).
    object = { ...object, programs: object.programs.map((p) => (p.name === program ? { ...p, autoload: true } : { ...p, autoload: false })) };
  }
  let btf: Btf | undefined;
  try {
    btf = object.btfBytes ? parseBtf(object.btfBytes) : undefined;
  } catch {
    btf = undefined; // maps then print as hex
  }
  return { object, btf };
}

function speedOf(text: string | undefined): 'max' | number {
  if (text === undefined) return 1;
  const speed = parseReplaySpeed(text);
  if (speed === undefined) throw new UsageError(`--speed: expected max or a positive factor (1 = as recorded), got '${text}'`);
  return speed;
}

function frequencyOf(text: string | undefined): number {
  if (text === undefined) return 99;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 10_000) throw new UsageError(`--frequency: expected 1..10000 (Hz), got '${text}'`);
  return n;
}

/**
 * `bpfleet trace --engine vm`: the programs run in the userspace VM, fed by the chosen sources; maps
 * print every interval exactly as with the kernel engine. Ends after --duration, on Ctrl-C, or when
 * every source is a file that has been replayed to its end.
 */
export async function runTraceVm(file: string, opts: VmTraceRun, io: CliIo, control: { readonly signal?: AbortSignal } = {}): Promise<void> {
  const speed = speedOf(opts.speed);
  const frequency = frequencyOf(opts.frequency);
  const { object, btf } = objectOf(await readInputFile(file), file, opts.program);
  const programs = object.programs.filter((p) => p.autoload !== false);
  if (programs.length === 0) throw new UsageError(`${file}: no program to run`);

  const sources: VmEventSource[] = [];
  if (opts.replay) {
    const replay = new ReplaySource(opts.replay, { speed });
    try {
      await replay.prepare();
    } catch (e) {
      throw new RefusedError(`${opts.replay}: ${(e as Error).message}`);
    }
    sources.push(replay);
  }
  if (opts.pcap) sources.push(new PcapPacketSource(opts.pcap, { speed }));
  if (opts.interface) sources.push(new InterfacePacketSource(opts.interface));
  if (opts.appSocket) sources.push(new AppEventSource(opts.appSocket));
  if (programs.some((p) => p.type === BpfProgType.PERF_EVENT)) sources.push(new PerfSamplingSource({ frequency }));

  const fed = programs.filter((p) => sources.some((s) => s.feeds(p)));
  if (fed.length === 0) {
    const hints = programs.map((p) => `  ${p.name} (${p.section}): ${sourceHint(p)}`).join('\n');
    throw new UsageError(`no event source given fits ${programs.length === 1 ? 'this program' : 'these programs'}; choose one:\n${hints}`);
  }
  for (const p of programs) if (!fed.includes(p)) io.err(`bpfleet: ${p.name} (${p.section}) gets no events from the chosen sources (${sourceHint(p)})`);

  let stopped: Error | undefined;
  let running: VmRunningProgram;
  try {
    running = VmRunningProgram.start(object, { cpus: safeCpus(), budget: VM_BUDGET, onStopped: (e) => (stopped = e) });
  } catch (e) {
    throw new RefusedError(`${file}: the VM cannot load it: ${(e as Error).message}`);
  }
  const printer = new TracePrinter(new MapDecoder(btf), io, opts.json ?? false);
  const readers = running.vm.maps.map((m) => vmMapReader(m, running.vm.cpus));
  const drainRings = () => {
    for (const map of running.vm.maps) if (map instanceof RingBufMap) map.consume((data) => printer.event(map.name, Uint8Array.from(data)));
  };
  const started: VmEventSource[] = [];
  try {
    for (const source of sources) {
      if (!programs.some((p) => source.feeds(p))) continue;
      try {
        await source.start((event) => deliverEvent(running, event));
      } catch (e) {
        throw new RefusedError(`${source.description}: ${(e as Error).message}`);
      }
      started.push(source);
      if (!opts.json) io.out(`running ${fed.filter((p) => source.feeds(p)).map((p) => p.name).join(', ')} in the VM on ${source.description}`);
    }
    if (!opts.json) io.out(`tracing for ${opts.duration}, maps every ${opts.interval}; Ctrl-C to stop`);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        drainRings();
        printer.maps(readers);
        if (stopped) finish();
      }, opts.intervalMs);
      const finish = () => {
        clearInterval(timer);
        clearTimeout(deadline);
        control.signal?.removeEventListener('abort', finish);
        resolve();
      };
      const deadline = setTimeout(finish, opts.durationMs);
      if (control.signal?.aborted) finish();
      control.signal?.addEventListener('abort', finish);
      // Files replayed to their end: nothing more will come.
      if (started.every((s) => s.finite)) void Promise.all(started.map((s) => s.done)).then(finish);
    });
    drainRings();
    printer.maps(readers);
  } finally {
    for (const s of started) await s.stop();
    running.close();
  }
  for (const s of started) {
    if (s.error) io.err(`bpfleet: ${s.description}: stopped early: ${s.error.message}`);
    const skipped = Object.entries(s.stats().skipped);
    if (skipped.length && !opts.json) io.err(`bpfleet: ${s.description}: skipped ${skipped.map(([why, n]) => `${n} (${why})`).join(', ')}`);
  }
  if (stopped) throw new RefusedError(`the VM stopped the program: ${stopped.message}`);
  if (!opts.json) io.out(`done: ${running.stats().runCount} runs`);
}

function safeCpus(): number {
  try {
    return Math.max(1, possibleCpus());
  } catch {
    return 1;
  }
}
