import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliIo } from '../../io.js';
import type { AgentView } from './api-types.js';
import { age, labels, table } from './format.js';
import { clientFor, fleetCommand, printJson, type FleetOptions } from './common.js';

export function registerAgents(program: Command, io: CliIo): void {
  fleetCommand(program, io, 'agents', 'list agents: labels, kernel, runtime, status, loaded programs')
    .option('--status <status>', 'online, stale or offline')
    .option('--selector <k=v,...>', 'only agents with these labels')
    .action(async (options: FleetOptions & { status?: string; selector?: string }) => {
      if (options.status !== undefined && !['online', 'stale', 'offline'].includes(options.status)) throw new UsageError(`--status must be online, stale or offline`);
      const params = new URLSearchParams();
      if (options.status) params.set('status', options.status);
      if (options.selector) params.set('selector', options.selector);
      const query = params.size > 0 ? `?${params}` : '';
      const agents = await (await clientFor(options)).get<AgentView[]>(`/api/v1/agents${query}`);
      if (options.json) return printJson(io, agents);
      io.out(table(['ID', 'HOST', 'STATUS', 'RUNTIME', 'KERNEL', 'PROGRAMS', 'LAST SEEN', 'LABELS'], agents.map((a) => [a.id, a.hostname, a.status, a.runtime, `${a.kernelRelease} (${a.kernelProfile})`, String(a.programs.length), `${age(a.lastSeen)} ago`, labels(a.labels)])));
    });
}
