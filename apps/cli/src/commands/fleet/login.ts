import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliIo } from '../../io.js';
import { ControllerClient, credentialsPath, normalizeServer, readCredentials, writeCredentials } from './client.js';
import { fleetCommand, printJson, type FleetOptions } from './common.js';

/** `bpfleet login --server URL --token T`: checks the token against the server, then stores both (0600). */
export function registerLogin(program: Command, io: CliIo): void {
  fleetCommand(program, io, 'login', 'store the controller URL and an API token in ~/.config/bpfleet/credentials.json')
    .option('--token <token>', 'API token (default: BPFLEET_TOKEN)')
    .action(async (options: FleetOptions & { token?: string }) => {
      const path = credentialsPath();
      const stored = await readCredentials(path);
      const server = options.server ?? stored.server;
      const token = options.token ?? process.env['BPFLEET_TOKEN'];
      if (!server) throw new UsageError('login needs --server URL (or BPFLEET_SERVER)');
      if (!token) throw new UsageError('login needs --token TOKEN (or BPFLEET_TOKEN)');
      const client = new ControllerClient(normalizeServer(server), token);
      // Any viewer-level call proves the token; a bad one is a 401 with the server's message.
      await client.get<unknown>('/api/v1/programs');
      await writeCredentials({ server: client.server, token }, path);
      if (options.json) printJson(io, { server: client.server, credentials: path });
      else io.out(`logged in to ${client.server}; credentials saved in ${path}`);
    });
}
