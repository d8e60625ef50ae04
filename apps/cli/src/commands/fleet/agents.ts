import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliIo } from '../../io.js';
import type { AgentProgramView, AgentView } from './api-types.js';
import { age, labels, table } from './format.js';
import { clientFor, fleetCommand, printJson, type FleetOptions } from './common.js';

/**
 * RUNTIME is what actually runs the agent's programs (kernel, vm or both), from their status; only
 * an agent running nothing shows its policy. PROGRAMS lists each program with its runtime or state.
 */
export function renderAgents(agents: readonly AgentView[], now = Date.now()): string {
  const running = (p: AgentProgramView) => p.state === 'loaded' && p.runtime !== undefined;
  return table(
    ['ID', 'HOST', 'STATUS', 'RUNTIME', 'KERNEL', 'PROGRAMS', 'LAST SEEN', 'LABELS'],
    agents.map((a) => {
      const kinds = [...new Set(a.programs.filter(running).map((p) => p.runtime!.kind))].sort();
      const programs = a.programs.filter((p) => p.state !== 'detached').map((p) => `${p.program}@${p.version}:${running(p) ? p.runtime!.kind : p.state}`);
      return [a.id, a.hostname, a.status, kinds.length > 0 ? kinds.join('+') : `(policy ${a.runtime})`, `${a.kernelRelease} (${a.kernelProfile})`, programs.join(',') || '-', `${age(a.lastSeen, now)} ago`, labels(a.labels)];
    }),
  );
}

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
      io.out(renderAgents(agents));
    });
}
