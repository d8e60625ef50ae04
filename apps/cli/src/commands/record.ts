import { basename } from 'node:path';
import { objectNameFromPath } from '@bpfleet/elf';
import { KernelError, KernelUnavailableError } from '@bpfleet/kernel';
import { capturePoints, recordAttachPoints } from '@bpfleet/vm-host';
import { RefusedError, UsageError } from '../errors.js';
import { parseObjectFile, requireProgram } from '../object-file.js';
import { readInputFile, type CliIo } from '../io.js';
import { parseDuration } from './trace-duration.js';
import type { RegisterCommand } from './index.js';

interface RecordFlags {
  program?: string;
  duration: string;
  output?: string;
}

/**
 * Records the tracepoint and raw_tp events the object's programs would see, with small generated
 * capture programs (the object's own programs are not loaded), into a file the VM replays
 * (`bpfleet trace --engine vm --replay`, the agent's `--replay`).
 */
export async function runRecord(file: string, flags: RecordFlags, io: CliIo, signal?: AbortSignal): Promise<void> {
  const durationMs = parseDuration(flags.duration, '--duration');
  const bytes = await readInputFile(file);
  const object = parseObjectFile(file, bytes);
  if (flags.program !== undefined) requireProgram(object, file, flags.program);
  const points = capturePoints(object, flags.program);
  if (points.length === 0) throw new UsageError(`${file}: no tracepoint or raw_tp program${flags.program ? ` named ${flags.program}` : ''}; record captures what those attach to`);
  const out = flags.output ?? `${objectNameFromPath(file)}.bprec`;
  io.out(`recording ${points.map((p) => `${p.kind === 'tracepoint' ? 'tracepoint' : 'raw_tp'} ${p.name}`).join(', ')} for ${flags.duration} into ${out}; Ctrl-C to stop early`);
  let summary: Awaited<ReturnType<typeof recordAttachPoints>>;
  try {
    summary = await recordAttachPoints(points, { out, durationMs, signal, objectName: basename(file) });
  } catch (e) {
    if (e instanceof KernelUnavailableError) throw new RefusedError(`${e.message}; recording needs the kernel (run it on a host where BPF loads)`);
    if (e instanceof KernelError) throw new RefusedError(`cannot record: ${e.message}`);
    throw e;
  }
  summary.sources.forEach((s, i) => io.out(`  ${s.name}: ${summary.counts[i]} records (${s.kind === 'tracepoint' ? `${s.recordSize} bytes each` : `${s.args} args`})`));
  if (summary.lost > 0n) io.err(`bpfleet: ${summary.lost} records lost: the ring buffer was full (the recorder fell behind)`);
  io.out(`wrote ${out} (${(summary.durationMs / 1000).toFixed(1)} s)`);
}

/** `bpfleet record FILE.o [--program NAME] [--duration 10s] [-o out.bprec]` */
export const registerRecord: RegisterCommand = (program, io) => {
  program
    .command('record')
    .description("record the tracepoint/raw_tp events an object's programs attach to (on this kernel), for replay in the VM elsewhere")
    .argument('<file>', 'ELF object whose tracepoint and raw_tp programs name the attach points')
    .option('--program <name>', 'only the attach point of this program')
    .option('--duration <time>', 'how long to record (e.g. 10s, 2m)', '10s')
    .option('-o, --output <file>', 'recording to write (default: <object>.bprec)')
    .action(async (file: string, flags: RecordFlags) => {
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        await runRecord(file, flags, io, abort.signal);
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
};
