import { BpfMapType, type BpfMapSpec } from '@bpfleet/elf';
import type { ProgramHandle } from '../helpers/types.js';
import { ArrayMap } from './array.js';
import { EINVAL } from './errno.js';
import { HashMap } from './hash.js';
import { MapError, type MapEnvironment, type VmMap } from './map.js';
import { PerfEventArrayMap } from './perf-event-array.js';
import { ProgArrayMap } from './prog-array.js';
import { QueueStackMap } from './queue-stack.js';
import { RingBufMap } from './ringbuf.js';

/** Creates the VM map for a spec; unsupported types are a MapError naming the type. */
export function createMap(index: number, spec: BpfMapSpec, env: MapEnvironment, resolveProgram: (id: number) => ProgramHandle | undefined): VmMap {
  switch (spec.type) {
    case BpfMapType.ARRAY:
      return new ArrayMap(index, spec, env, false);
    case BpfMapType.PERCPU_ARRAY:
      return new ArrayMap(index, spec, env, true);
    case BpfMapType.HASH:
      return new HashMap(index, spec, env, false, false);
    case BpfMapType.PERCPU_HASH:
      return new HashMap(index, spec, env, true, false);
    case BpfMapType.LRU_HASH:
      return new HashMap(index, spec, env, false, true);
    case BpfMapType.LRU_PERCPU_HASH:
      return new HashMap(index, spec, env, true, true);
    case BpfMapType.RINGBUF:
      return new RingBufMap(index, spec, env);
    case BpfMapType.PERF_EVENT_ARRAY:
      return new PerfEventArrayMap(index, spec, env);
    case BpfMapType.PROG_ARRAY:
      return new ProgArrayMap(index, spec, resolveProgram);
    case BpfMapType.QUEUE:
      return new QueueStackMap(index, spec, false);
    case BpfMapType.STACK:
      return new QueueStackMap(index, spec, true);
    default:
      throw new MapError(spec.name, 'create', EINVAL, `map type ${BpfMapType[spec.type] ?? spec.type} is not supported by the VM`);
  }
}
