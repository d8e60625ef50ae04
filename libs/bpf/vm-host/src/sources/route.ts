import { BpfProgType, type BpfProgramSpec } from '@bpfleet/elf';
import { autoloadPrograms } from '../contents.js';
import type { VmRunningProgram } from '../vm-program.js';
import type { VmEvent } from './source.js';

/** Where a tracepoint program attaches (`syscalls/sys_enter_openat`), from its section. */
export function tracepointTarget(spec: BpfProgramSpec): string | undefined {
  if (spec.type !== BpfProgType.TRACEPOINT) return undefined;
  return spec.attachTarget ?? /^(?:tracepoint|tp)\/(.+)$/.exec(spec.section)?.[1];
}

/** Where a raw tracepoint program attaches (`sys_enter`), from its section. */
export function rawTracepointTarget(spec: BpfProgramSpec): string | undefined {
  if (spec.type !== BpfProgType.RAW_TRACEPOINT && spec.type !== BpfProgType.RAW_TRACEPOINT_WRITABLE) return undefined;
  return spec.attachTarget ?? /^raw_(?:tracepoint|tp)(?:\.w)?\/(.+)$/.exec(spec.section)?.[1];
}

/** Program types that take packets, with the direction their hook sees. */
export function packetDirections(spec: BpfProgramSpec): readonly ('ingress' | 'egress')[] {
  switch (spec.type) {
    case BpfProgType.XDP:
      return ['ingress'];
    case BpfProgType.SCHED_CLS:
    case BpfProgType.SCHED_ACT:
    case BpfProgType.CGROUP_SKB:
      return /egress/.test(spec.section) ? ['egress'] : ['ingress'];
    case BpfProgType.SOCKET_FILTER:
      return ['ingress', 'egress'];
    default:
      return [];
  }
}

/** Whether `event` reaches program `spec` (application events match by probe name in deliver). */
export function eventFits(spec: BpfProgramSpec, event: VmEvent): boolean {
  switch (event.kind) {
    case 'packet':
      return packetDirections(spec).includes(event.direction);
    case 'perf_sample':
      return spec.type === BpfProgType.PERF_EVENT;
    case 'tracepoint':
      return tracepointTarget(spec) === event.target;
    case 'raw_tracepoint':
      return rawTracepointTarget(spec) === event.target;
    case 'app':
      return false;
  }
}

/** Which programs of one VM object each kind of event reaches, by name; computed once per object. */
interface Routes {
  readonly ingress: readonly string[];
  readonly egress: readonly string[];
  readonly perf: readonly string[];
  readonly tracepoint: ReadonlyMap<string, readonly string[]>;
  readonly rawTracepoint: ReadonlyMap<string, readonly string[]>;
}

const routesOf = new WeakMap<VmRunningProgram, Routes>();

function routes(running: VmRunningProgram): Routes {
  let r = routesOf.get(running);
  if (r) return r;
  const ingress: string[] = [];
  const egress: string[] = [];
  const perf: string[] = [];
  const tracepoint = new Map<string, string[]>();
  const rawTracepoint = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, key: string, name: string) => m.set(key, [...(m.get(key) ?? []), name]);
  for (const spec of autoloadPrograms(running.vm.object)) {
    const dirs = packetDirections(spec);
    if (dirs.includes('ingress')) ingress.push(spec.name);
    if (dirs.includes('egress')) egress.push(spec.name);
    if (spec.type === BpfProgType.PERF_EVENT) perf.push(spec.name);
    const tp = tracepointTarget(spec);
    if (tp) add(tracepoint, tp, spec.name);
    const raw = rawTracepointTarget(spec);
    if (raw) add(rawTracepoint, raw, spec.name);
  }
  r = { ingress, egress, perf, tracepoint, rawTracepoint };
  routesOf.set(running, r);
  return r;
}

const NONE: readonly string[] = [];

/** The recorded clock of the event being delivered (one function object, no closure per event). */
const recordedClock = { at: 0n, now: (): bigint => recordedClock.at };

/**
 * Runs the programs of one VM object that `event` reaches, through VmRunningProgram.deliver (which
 * keeps the run counters and the budget rules); returns how many runs there were.
 */
export function deliverEvent(running: VmRunningProgram, event: VmEvent): number {
  if (event.kind === 'app') return running.deliver(event.probe, event.payload);
  const r = routes(running);
  if (event.kind === 'packet') {
    let ran = 0;
    for (const name of event.direction === 'ingress' ? r.ingress : r.egress) ran += running.deliver(name, event.frame, 0);
    return ran;
  }
  const names = event.kind === 'perf_sample' ? r.perf : ((event.kind === 'tracepoint' ? r.tracepoint : r.rawTracepoint).get(event.target) ?? NONE);
  if (names.length === 0) return 0;
  const cpu = event.cpu % running.vm.cpus;
  // The helpers' view of the current task is the event's for these runs, then the VM's own again.
  const env = running.vm.env;
  const { pidTgid, uidGid, comm, monotonicNs, bootNs } = env;
  const task = event.task;
  env.pidTgid = task.pidTgid;
  env.uidGid = task.uidGid;
  env.comm = task.comm;
  if (task.ktimeNs !== undefined) {
    recordedClock.at = task.ktimeNs;
    env.monotonicNs = recordedClock.now;
    env.bootNs = recordedClock.now;
  }
  let ran = 0;
  try {
    for (const name of names) ran += running.deliver(name, event.ctx, cpu);
  } finally {
    env.pidTgid = pidTgid;
    env.uidGid = uidGid;
    env.comm = comm;
    env.monotonicNs = monotonicNs;
    env.bootNs = bootNs;
  }
  return ran;
}
