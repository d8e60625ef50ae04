import { Command, Option } from 'commander';
import type { CliIo } from '../../io.js';
import { ControllerClient } from './client.js';

export interface FleetOptions {
  server?: string;
  json?: boolean;
}

/** Adds --server and --json to a fleet command and keeps usage errors on exit 2 for nested commands. */
export function fleetCommand(parent: Command, io: CliIo, nameAndArgs: string, description: string): Command {
  const command = parent
    .command(nameAndArgs)
    .description(description)
    .addOption(new Option('--server <url>', 'controller URL').env('BPFLEET_SERVER'))
    .option('--json', 'print the server response as JSON')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  return command;
}

export function clientFor(options: FleetOptions): Promise<ControllerClient> {
  return ControllerClient.resolve(options.server !== undefined ? { server: options.server } : {});
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
