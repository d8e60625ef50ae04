import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliIo } from '../../io.js';
import { TERMINAL_ROLLOUT_STATES, type RolloutView } from './api-types.js';
import { bar, age, labels, table } from './format.js';
import { clientFor, fleetCommand, printJson, type FleetOptions } from './common.js';
import { parseDurationSeconds, parsePercent, parsePositiveInt, parseProgramRef, parseSelector } from './parse.js';

interface RolloutOptions extends FleetOptions {
  selector: string[];
  canary?: string;
  waves?: string;
  pause?: string;
  maxFailedLoads?: string;
  maxAgentErrors?: string;
  minHealthy?: string;
  maxRunNs?: string;
  maxCpu?: string;
  minRuns?: string;
  onGateFail?: string;
  watch?: boolean;
}

/** "2.5%" or "2.5" -> 2.5 (percent of one CPU, may exceed 100 on several CPUs). */
export function parseCpuPercent(value: string, flag: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)%?$/.exec(value);
  const n = match ? Number(match[1]) : NaN;
  if (!(n > 0 && n <= 6400)) throw new UsageError(`${flag} must be a percentage of one CPU above 0, e.g. 2.5%, got ${JSON.stringify(value)}`);
  return n;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseGateAction(value: string): 'rollback' | 'pause' {
  if (value !== 'rollback' && value !== 'pause') throw new UsageError(`--on-gate-fail must be rollback or pause, got ${JSON.stringify(value)}`);
  return value;
}

/** One line per wave plus totals: what `rollout status` and `rollout --watch` print. */
export function renderRollout(r: RolloutView): string {
  const lines = [`rollout ${r.id}  ${r.program}@${r.version}${r.previousVersion !== null ? ` (from v${r.previousVersion})` : ''}  ${r.state}  wave ${r.currentWave}/${r.waves}  selector ${labels(r.selector)}`];
  if (r.reason) lines.push(`reason: ${r.reason}`);
  const targets = r.targets ?? [];
  const waves = new Map<number, { total: number; loaded: number; failed: number }>();
  for (const t of targets) {
    const w = waves.get(t.wave) ?? { total: 0, loaded: 0, failed: 0 };
    w.total++;
    if (t.state === 'loaded') w.loaded++;
    if (t.state === 'failed') w.failed++;
    waves.set(t.wave, w);
  }
  for (const [wave, w] of [...waves.entries()].sort((a, b) => a[0] - b[0])) {
    lines.push(`  wave ${wave}  |${bar(w.loaded / w.total, 30)}|  ${w.loaded}/${w.total} loaded${w.failed ? `, ${w.failed} failed` : ''}`);
  }
  const counts = Object.entries(r.counts).map(([state, n]) => `${state} ${n}`).join(', ');
  if (counts) lines.push(`  agents: ${counts}`);
  const failures = targets.filter((t) => t.state === 'failed' && t.detail);
  for (const t of failures.slice(0, 5)) lines.push(`  ${t.agentId}: ${t.detail!.split('\n').slice(-3).join(' / ')}`);
  return lines.join('\n');
}

async function watchRollout(io: CliIo, options: FleetOptions, id: string, intervalMs: number, timeoutMs: number): Promise<RolloutView> {
  const client = await clientFor(options);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = await client.get<RolloutView>(`/api/v1/rollouts/${encodeURIComponent(id)}`);
    const text = renderRollout(r);
    if (text !== last) io.out(text);
    last = text;
    if (TERMINAL_ROLLOUT_STATES.has(r.state) || r.state === 'paused' || Date.now() >= deadline) return r;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function registerRollout(program: Command, io: CliIo): void {
  const rollout = fleetCommand(program, io, 'rollout', 'start a rollout of NAME@VERSION, or manage one (status|pause|resume|abort|rollback ID)')
    .argument('[ref]', 'NAME@VERSION to roll out')
    .option('--selector <k=v>', 'agent labels to match (repeatable, or k=v,k2=v2); none = every agent', collect, [])
    .option('--canary <percent>', 'canary wave size, e.g. 10%')
    .option('--waves <n>', 'number of waves after the canary')
    .option('--pause <duration>', 'pause between waves, e.g. 30s')
    .option('--max-failed-loads <n>', 'health gate: failed loads tolerated before automatic rollback')
    .option('--max-agent-errors <n>', 'health gate: agent errors tolerated')
    .option('--min-healthy <duration>', 'health gate: time a wave must stay healthy')
    .option('--max-run-ns <ns>', 'health gate: most average run time per program run on any agent (ns)')
    .option('--max-cpu <percent>', 'health gate: most CPU time of the program on any agent, percent of one CPU')
    .option('--min-runs <n>', 'health gate: runs counted before the average run time is judged (default 100)')
    .option('--on-gate-fail <action>', 'rollback (default) or pause when the health gate fails')
    .option('--watch', 'follow the rollout until it ends or pauses')
    .action(async (ref: string | undefined, options: RolloutOptions) => {
      if (ref === undefined) throw new UsageError('rollout needs NAME@VERSION, or one of: status, pause, resume, abort, rollback ID');
      const { name, version } = parseProgramRef(ref);
      const canary = options.canary !== undefined || options.waves !== undefined;
      const strategy = canary
        ? {
            type: 'canary' as const,
            percent: options.canary !== undefined ? parsePercent(options.canary) : 10,
            waves: options.waves !== undefined ? parsePositiveInt(options.waves, '--waves', 100) : 3,
            pauseSeconds: options.pause !== undefined ? parseDurationSeconds(options.pause, '--pause') : 30,
          }
        : { type: 'all' as const };
      const healthGate = {
        ...(options.maxFailedLoads !== undefined ? { maxFailedLoads: parsePositiveInt(options.maxFailedLoads, '--max-failed-loads', 1_000_000) } : {}),
        ...(options.maxAgentErrors !== undefined ? { maxAgentErrors: parsePositiveInt(options.maxAgentErrors, '--max-agent-errors', 1_000_000) } : {}),
        ...(options.minHealthy !== undefined ? { minHealthySeconds: parseDurationSeconds(options.minHealthy, '--min-healthy') } : {}),
        ...(options.maxRunNs !== undefined ? { maxAvgRunNs: parsePositiveInt(options.maxRunNs, '--max-run-ns', 1_000_000_000) } : {}),
        ...(options.maxCpu !== undefined ? { maxCpuPercent: parseCpuPercent(options.maxCpu, '--max-cpu') } : {}),
        ...(options.minRuns !== undefined ? { minRuns: parsePositiveInt(options.minRuns, '--min-runs', Number.MAX_SAFE_INTEGER) } : {}),
        ...(options.onGateFail !== undefined ? { action: parseGateAction(options.onGateFail) } : {}),
      };
      const selector = parseSelector(options.selector);
      const client = await clientFor(options);
      const created = await client.post<RolloutView>('/api/v1/rollouts', { program: name, version, selector, strategy, healthGate });
      if (options.json && !options.watch) return printJson(io, created);
      if (!options.json) io.out(`started rollout ${created.id}`);
      const final = options.watch ? await watchRollout(options.json ? silent : io, options, created.id, 1000, 3_600_000) : created;
      if (options.json) printJson(io, final);
    });

  fleetCommand(rollout, io, 'status <id>', 'show a rollout with per-wave progress')
    .option('--watch', 'refresh until the rollout ends or pauses')
    .option('--interval <duration>', 'refresh interval for --watch', '1s')
    .option('--timeout <duration>', 'give up watching after this long', '1h')
    .action(async (id: string, _local: unknown, command: Command) => {
      // The parent `rollout` has --json/--server/--watch too: commander may hand them to either level.
      const options = command.optsWithGlobals<FleetOptions & { watch?: boolean; interval: string; timeout: string }>();
      if (options.watch) {
        const interval = Math.max(1, parseDurationSeconds(options.interval, '--interval')) * 1000;
        const timeout = parseDurationSeconds(options.timeout, '--timeout') * 1000;
        const final = await watchRollout(options.json ? silent : io, options, id, interval, timeout);
        if (options.json) printJson(io, final);
        return;
      }
      const r = await (await clientFor(options)).get<RolloutView>(`/api/v1/rollouts/${encodeURIComponent(id)}`);
      if (options.json) return printJson(io, r);
      io.out(renderRollout(r));
      if (r.targets && r.targets.length > 0) io.out(table(['AGENT', 'WAVE', 'STATE', 'PREVIOUS'], r.targets.map((t) => [t.agentId, String(t.wave), t.state, t.previousVersion === null ? '-' : `v${t.previousVersion}`])));
    });

  for (const action of ['pause', 'resume', 'abort', 'rollback'] as const) {
    fleetCommand(rollout, io, `${action} <id>`, `${action} a rollout`)
      .option('--reason <text>', 'why (kept with the rollout)')
      .action(async (id: string, _local: unknown, command: Command) => {
        const options = command.optsWithGlobals<FleetOptions & { reason?: string }>();
        const body = action === 'resume' || options.reason === undefined ? {} : { reason: options.reason };
        const r = await (await clientFor(options)).post<RolloutView>(`/api/v1/rollouts/${encodeURIComponent(id)}/${action}`, body);
        if (options.json) return printJson(io, r);
        io.out(renderRollout(r));
      });
  }

  fleetCommand(program, io, 'rollouts', 'list rollouts')
    .action(async (options: FleetOptions) => {
      const list = await (await clientFor(options)).get<RolloutView[]>('/api/v1/rollouts');
      if (options.json) return printJson(io, list);
      io.out(table(['ID', 'PROGRAM', 'STATE', 'WAVE', 'AGENTS', 'CREATED'], list.map((r) => [r.id, `${r.program}@${r.version}`, r.state, `${r.currentWave}/${r.waves}`, Object.entries(r.counts).map(([s, n]) => `${s}:${n}`).join(' ') || '-', `${age(r.createdAt)} ago`])));
    });
}

const silent: CliIo = { out: () => undefined, err: () => undefined };
