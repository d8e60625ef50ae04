import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { EXIT_OK, EXIT_REFUSED, EXIT_USAGE, RefusedError, UsageError } from './errors.js';
import { processIo, type CliIo } from './io.js';

/** Builds the CLI; commands throw UsageError/RefusedError and main maps them to exit codes. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('bpfleet')
    .description('eBPF fleet toolchain: assemble, inspect, verify and run programs; drive the fleet')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError(false);
  for (const register of commands) register(program, io);
  // Subcommands inherit the overrides so their usage errors map to exit 2 too.
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  return program;
}

/** Runs the CLI and returns the exit code (0 ok, 1 refused, 2 usage). Never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv]);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      io.err(`bpfleet: ${e.message}`);
      return EXIT_USAGE;
    }
    if (e instanceof RefusedError) {
      io.err(`bpfleet: ${e.message}`);
      return e.exitCode;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.err(`bpfleet: ${message}`);
    return EXIT_REFUSED;
  }
}
