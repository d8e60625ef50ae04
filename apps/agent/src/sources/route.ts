import { BpfProgType, type BpfProgramSpec } from '@bpfleet/elf';
import type { ExecutionEnv } from '@bpfleet/vm';
import { autoloadPrograms } from '../runtime-choice.js';
import type { VmRunningProgram } from '../vm-program.js';
import type { TaskContext, VmEvent } from './source.js';

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

const programsOf = new WeakMap<VmRunningProgram, readonly BpfProgramSpec[]>();

/** The helpers' view of the current task, swapped in for one delivery. */
function withTask<T>(env: ExecutionEnv, task: TaskContext, run: () => T): T {
  const saved = { pidTgid: env.pidTgid, uidGid: env.uidGid, comm: env.comm, monotonicNs: env.monotonicNs, bootNs: env.bootNs };
  env.pidTgid = task.pidTgid;
  env.uidGid = task.uidGid;
  env.comm = task.comm;
  if (task.ktimeNs !== undefined) {
    const at = task.ktimeNs;
    env.monotonicNs = () => at;
    env.bootNs = () => at;
  }
  try {
    return run();
  } finally {
    Object.assign(env, saved);
  }
}

/**
 * Runs the programs of one VM object that `event` reaches, through VmRunningProgram.deliver (which
 * keeps the run counters and the budget rules); returns how many runs there were.
 */
export function deliverEvent(running: VmRunningProgram, event: VmEvent): number {
  if (event.kind === 'app') return running.deliver(event.probe, event.payload);
  let specs = programsOf.get(running);
  if (!specs) {
    specs = autoloadPrograms(running.vm.object);
    programsOf.set(running, specs);
  }
  let ran = 0;
  for (const spec of specs) {
    if (!eventFits(spec, event)) continue;
    if (event.kind === 'packet') {
      ran += running.deliver(spec.name, event.frame, 0);
    } else {
      const cpu = event.cpu % running.vm.cpus;
      ran += withTask(running.vm.env, event.task, () => running.deliver(spec.name, event.ctx, cpu));
    }
  }
  return ran;
}
