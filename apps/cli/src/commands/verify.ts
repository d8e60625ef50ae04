import { Option } from 'commander';
import { ElfError, loadBpfObject, objectNameFromPath, progTypeName } from '@bpfleet/elf';
import { KernelBtfError, UnknownKernelProfileError, kernelBtfFromBytes, kernelProfile, verifyProgram, type KernelBtfExtract, type KernelProfile, type VerifyResult } from '@bpfleet/verifier';
import { EXIT_USAGE, RefusedError, UsageError } from '../errors.js';
import { readInputFile } from '../io.js';
import type { RegisterCommand } from './index.js';

interface VerifyCliOptions {
  program?: string;
  kernel?: string;
  unprivileged?: boolean;
  logLevel: string;
  json?: boolean;
  kernelBtf?: string;
}

interface ProgramReport {
  readonly name: string;
  readonly section: string;
  readonly type: string;
  readonly accepted: boolean;
  readonly insnsProcessed: number;
  readonly error: VerifyResult['error'];
  readonly log: string;
}

function profileOf(name: string | undefined): KernelProfile {
  try {
    return kernelProfile(name);
  } catch (e) {
    if (e instanceof UnknownKernelProfileError) throw new UsageError(e.message);
    throw e;
  }
}

/** A file named on the command line: one that cannot be read is a usage error (exit 2). */
async function readArgumentFile(file: string): Promise<Uint8Array> {
  try {
    return await readInputFile(file);
  } catch (e) {
    if (e instanceof RefusedError) throw new RefusedError(e.message, EXIT_USAGE);
    throw e;
  }
}

/** The target kernels' own BTF (tp_btf and LSM contexts, ksyms) instead of the profile's extract. */
async function kernelBtfOf(file: string | undefined, profile: KernelProfile): Promise<KernelBtfExtract | undefined> {
  if (!file) return undefined;
  const bytes = await readArgumentFile(file);
  try {
    return kernelBtfFromBytes(bytes, profile.name);
  } catch (e) {
    if (e instanceof KernelBtfError) throw new RefusedError(`cannot use ${file}: ${e.message}`, EXIT_USAGE);
    throw e;
  }
}

/** `bpfleet verify FILE.o [--program NAME] [--kernel X.Y] [--unprivileged] [--log-level 0|1|2] [--json]` */
export const registerVerify: RegisterCommand = (program, io) => {
  program
    .command('verify')
    .description('verify the programs of a BPF ELF object as the kernel verifier would (exit 1 when any is rejected)')
    .argument('<file>', 'ELF object from clang -target bpf')
    .option('--program <name>', 'only this program (function name or section)')
    .option('--kernel <version>', 'kernel profile X.Y (4.9 ... 6.18; default: the newest)')
    .option('--unprivileged', 'apply the rules for programs loaded without CAP_BPF/CAP_SYS_ADMIN')
    .addOption(new Option('--log-level <level>', 'verifier log detail').choices(['0', '1', '2']).default('0'))
    .option('--json', 'print the result as JSON')
    .option('--kernel-btf <file>', "the target kernels' BTF (e.g. a copy of /sys/kernel/btf/vmlinux) for tp_btf/LSM programs and ksyms")
    .action(async (file: string, opts: VerifyCliOptions) => {
      const profile = profileOf(opts.kernel);
      const kernelBtf = await kernelBtfOf(opts.kernelBtf, profile);
      const bytes = await readArgumentFile(file);
      let object;
      try {
        object = loadBpfObject(bytes, { name: objectNameFromPath(file) });
      } catch (e) {
        if (e instanceof ElfError) throw new RefusedError(`cannot parse ${file}: ${e.message}`, EXIT_USAGE);
        throw e;
      }
      const selected = opts.program ? object.programs.filter((p) => p.name === opts.program || p.section === opts.program) : object.programs;
      if (opts.program && selected.length === 0) {
        throw new UsageError(`no program '${opts.program}' in ${file} (programs: ${object.programs.map((p) => p.name).join(', ') || 'none'})`);
      }
      const logLevel = Number(opts.logLevel) as 0 | 1 | 2;
      const privileged = !opts.unprivileged;
      const reports: ProgramReport[] = selected.map((p) => {
        const r = verifyProgram(object, p, { profile, privileged, logLevel, ...(kernelBtf && { kernelBtf }) });
        return {
          name: p.name,
          section: p.section,
          type: progTypeName(p.type),
          accepted: r.accepted,
          insnsProcessed: r.insnsProcessed,
          error: r.error,
          log: r.log,
        };
      });
      if (opts.json) {
        io.out(JSON.stringify({ object: file, kernel: profile.name, privileged, programs: reports }, null, 2));
      } else {
        for (const r of reports) {
          if (logLevel > 0) io.out(r.log.trimEnd());
          if (r.accepted) {
            io.out(`${r.name} (${r.section}): accepted, ${r.insnsProcessed} insns processed`);
          } else if (r.error) {
            io.out(`${r.name} (${r.section}): rejected at insn ${r.error.insn}${r.error.line ? ` (${r.error.line})` : ''}`);
            for (const line of r.error.message.split('\n')) io.out(`  ${line}`);
            io.out(`  hint: ${r.error.hint}`);
          }
        }
      }
      const rejected = reports.filter((r) => !r.accepted);
      if (rejected.length > 0) {
        throw new RefusedError(`${rejected.length} of ${reports.length} program(s) rejected for kernel ${profile.name}: ${rejected.map((r) => r.name).join(', ')}`);
      }
    });
};
