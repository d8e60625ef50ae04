import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './fleet-fixture.js';

/** The agent daemon as a real child process, from source (see agent-process.ts), with its log's tail. */
export interface AgentProcess {
  readonly child: ChildProcess;
  /** The last 8 KiB the agent logged (for failure messages). */
  log(): string;
}

/**
 * `fromDist` runs the built daemon (`apps/agent/bin/bpfleet-agent.js`, after `npm run build`) as a host
 * would; otherwise the sources through the TypeScript loader (which adds its own worker thread and memory).
 */
export function spawnAgentProcess(args: readonly string[], env: Record<string, string> = {}, options: { fromDist?: boolean } = {}): AgentProcess {
  const entry = options.fromDist
    ? [join(repoRoot, 'apps/agent/bin/bpfleet-agent.js')]
    : ['--conditions=development', '--import', join(repoRoot, 'scripts/ts-register.mjs'), join(repoRoot, 'apps/agent/src/testing/agent-process.ts')];
  const child = spawn(process.execPath, [...entry, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  // A pipe nobody reads would block the child once full.
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-8192);
  });
  return { child, log: () => tail };
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A process that opens /dev/null every `periodMs` until SIGTERM: a steady producer for openat counters. */
export function spawnOpener(periodMs = 20): ChildProcess {
  const code = `const fs=require('fs');setInterval(()=>fs.closeSync(fs.openSync('/dev/null','r')),${periodMs});process.on('SIGTERM',()=>process.exit(0));`;
  return spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
}

/** BPF program ids a process holds through its fds (programs and links), from /proc/PID/fdinfo. */
export function programIdsHeldBy(pid: number): Set<number> {
  const ids = new Set<number>();
  const dir = `/proc/${pid}/fdinfo`;
  for (const fd of readdirSync(dir)) {
    let text: string;
    try {
      text = readFileSync(join(dir, fd), 'utf8');
    } catch {
      continue;
    }
    const m = /^prog_id:\s*(\d+)/m.exec(text);
    if (m) ids.add(Number(m[1]));
  }
  return ids;
}

/** CPU time (user + system, seconds) and resident set (bytes) of a process, from /proc. */
export function processUsage(pid: number): { cpuSeconds: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  // USER_HZ is 100 on every Linux architecture Node runs on.
  return { cpuSeconds: ticks / 100, rssBytes: rssKb * 1024 };
}
