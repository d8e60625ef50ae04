import { readdirSync, readFileSync } from 'node:fs';
import type { TaskContext } from './source.js';

/** A process as /proc shows it at one moment. */
export interface ProcTask {
  readonly pid: number;
  readonly comm: string;
  /** `R` running or runnable, `S` sleeping, ... */
  readonly state: string;
  /** CPU it last ran on. */
  readonly cpu: number;
}

/** Parses `/proc/<pid>/stat` (the comm may hold spaces and parentheses: it ends at the last `)`). */
export function parseProcStat(text: string): ProcTask | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  const cpu = Number(rest[36]); // field 39, `processor`
  if (!Number.isSafeInteger(pid) || !rest[0] || !Number.isSafeInteger(cpu)) return undefined;
  return { pid, comm: text.slice(open + 1, close).slice(0, 15), state: rest[0], cpu };
}

/** Real uid and gid from `/proc/<pid>/status` (what bpf_get_current_uid_gid reports). */
function uidGid(pid: number): bigint {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const gid = Number(/^Gid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return (BigInt(gid) << 32n) | BigInt(uid);
  } catch {
    return 0n; // it exited since the table was read
  }
}

/**
 * Which process each CPU is running, as well as /proc can tell: the table of processes in state R
 * (refreshed at most every `refreshMs`, since reading every /proc/<pid>/stat costs a few ms), by the
 * CPU they last ran on. A CPU with none runs the idle task, pid 0 `swapper/<cpu>`, as a kernel
 * sampler sees it. Processes are seen by their main thread.
 */
export class TaskTable {
  private running = new Map<number, ProcTask[]>();
  private readAt = -Infinity;
  private turn = 0;
  private readonly uids = new Map<number, bigint>();

  constructor(
    private readonly refreshMs = 250,
    private readonly procRoot = '/proc',
  ) {}

  private refresh(): void {
    const running = new Map<number, ProcTask[]>();
    let names: string[];
    try {
      names = readdirSync(this.procRoot);
    } catch {
      names = [];
    }
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue;
      let text: string;
      try {
        text = readFileSync(`${this.procRoot}/${name}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      const task = parseProcStat(text);
      if (!task || task.state !== 'R') continue;
      const list = running.get(task.cpu) ?? [];
      list.push(task);
      running.set(task.cpu, list);
    }
    this.running = running;
    this.uids.clear();
    this.readAt = performance.now();
  }

  /** The task to attribute a sample on `cpu` to now. */
  sample(cpu: number): TaskContext {
    if (performance.now() - this.readAt >= this.refreshMs) this.refresh();
    const list = this.running.get(cpu);
    if (!list || list.length === 0) return { pidTgid: 0n, uidGid: 0n, comm: `swapper/${cpu}` };
    // Several runnable on one CPU: take turns, as time slices would.
    const task = list[this.turn++ % list.length]!;
    let ids = this.uids.get(task.pid);
    if (ids === undefined) {
      ids = uidGid(task.pid);
      this.uids.set(task.pid, ids);
    }
    return { pidTgid: (BigInt(task.pid) << 32n) | BigInt(task.pid), uidGid: ids, comm: task.comm };
  }
}
