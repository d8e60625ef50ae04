import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assembleProgram, AssemblyError, encodeInstructions, InvalidInstructionError, validateProgram, type AssembledProgram } from '@bpfleet/isa';
import { ElfWriteError, writeBpfElf } from '../elf-writer.js';
import { RefusedError, UsageError } from '../errors.js';
import { readInputFile } from '../io.js';
import type { RegisterCommand } from './index.js';

interface AsmOptions {
  output?: string;
  raw?: boolean;
  section: string;
  name?: string;
  license: string;
  validate: boolean;
}

/** `bpfleet asm FILE.s [-o FILE.o | --raw]`: assemble LLVM or conformance syntax. */
export const registerAsm: RegisterCommand = (program, io) => {
  program
    .command('asm')
    .description('assemble eBPF assembly (LLVM/kernel or bpf_conformance syntax) into an ELF object, raw bytecode or hex')
    .argument('<file>', 'assembly source')
    .option('-o, --output <file>', 'write an ELF64 BPF object (or raw bytecode with --raw)')
    .option('--raw', 'write raw bytecode instead of an ELF object (to -o FILE, default: FILE with .bin)')
    .option('--section <name>', 'ELF section of the program (gives its type: socket, xdp, tracepoint/...)', 'socket')
    .option('--name <symbol>', 'function symbol of the program (default: the file name)')
    .option('--license <text>', 'license string of the object', 'GPL')
    .option('--no-validate', 'skip the program checks (jump targets, ending in exit, reserved fields), e.g. for fragments')
    .addHelpText('after', '\nWithout -o or --raw the bytecode is printed as hex, one 8-byte slot per line.')
    .action(async (file: string, opts: AsmOptions) => {
      const source = Buffer.from(await readInputFile(file)).toString('utf8');
      let assembled: AssembledProgram;
      try {
        assembled = assembleProgram(source);
        if (opts.validate) validateProgram(assembled.insns);
      } catch (e) {
        if (e instanceof AssemblyError) throw new RefusedError(`${file}:${e.line}:${e.column}: ${e.problem}${e.text ? `\n  ${e.text}` : ''}`);
        if (e instanceof InvalidInstructionError) throw new RefusedError(`${file}: invalid program: ${e.message}`);
        throw e;
      }
      const bytes = encodeInstructions(assembled.insns);
      if (!opts.output && !opts.raw) {
        for (let i = 0; i < bytes.length; i += 8) io.out([...bytes.subarray(i, i + 8)].map((b) => b.toString(16).padStart(2, '0')).join(' '));
        return;
      }
      const base = path.basename(file).replace(/\.[^.]*$/, '');
      const name = opts.name ?? base.replace(/[^A-Za-z0-9_]/g, '_');
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--name must be a C identifier, got '${name}'`);
      if (!opts.section || /\0/.test(opts.section)) throw new UsageError('--section must be a non-empty name');
      const out = opts.output ?? path.join(path.dirname(file), `${base}.bin`);
      let data = bytes;
      if (!opts.raw) {
        // Subprograms take the name of the label at their start.
        const functionNames = new Map([...assembled.labels].map(([label, slot]) => [slot, label] as const).filter(([, l]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(l)));
        try {
          data = writeBpfElf({ section: opts.section, name, insns: assembled.insns, license: opts.license, functionNames });
        } catch (e) {
          if (e instanceof ElfWriteError) throw new RefusedError(`${file}: cannot write an object: ${e.message}`);
          throw e;
        }
      }
      try {
        await writeFile(out, data);
      } catch (e) {
        throw new RefusedError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? 'EIO'}`);
      }
      io.err(`${out}: ${bytes.length / 8} instruction slots${opts.raw ? ' (raw bytecode)' : ` in section ${opts.section}`}`);
    });
};
