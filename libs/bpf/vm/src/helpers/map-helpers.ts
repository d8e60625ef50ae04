import { ArrayMap } from '../maps/array.js';
import { E2BIG, EINVAL, ENOENT } from '../maps/errno.js';
import { HashMap } from '../maps/hash.js';
import { PerfEventArrayMap } from '../maps/perf-event-array.js';
import { ProgArrayMap } from '../maps/prog-array.js';
import { QueueStackMap } from '../maps/queue-stack.js';
import { RingBufMap } from '../maps/ringbuf.js';
import type { VmMap } from '../maps/map.js';
import { PERM_READ, PERM_WRITE } from '../memory/layout.js';
import { fromBig, out, toBig } from '../interpreter/alu64.js';
import { VmError } from '../memory/fault.js';
import { MAP_POINTER_TAG_HI, type Helper, type VmContext } from './types.js';
import { err, helper, type HelperRuntime, mapArg } from './runtime.js';

/** Which engine-side fast path a helper of this module allows (see `mapHelperKind`). */
export type MapHelperKind = 'lookup' | 'update';

const mapHelperKinds = new WeakMap<Helper, MapHelperKind>();

/**
 * `lookup` / `update` when `helper` is this module's `bpf_map_lookup_elem` / `bpf_map_update_elem`,
 * whose semantics an engine may reproduce inline for the maps it knows (a helper table can carry
 * other functions under the same ids, e.g. the conformance helpers).
 */
export function mapHelperKind(helper: Helper): MapHelperKind | undefined {
  return mapHelperKinds.get(helper);
}

/** Map, ring buffer, perf buffer and tail call helpers. */
export function mapHelpers(rt: HelperRuntime): Helper[] {
  const helpers = mapHelperList(rt);
  for (const h of helpers) {
    if (h.name === 'map_lookup_elem') mapHelperKinds.set(h, 'lookup');
    if (h.name === 'map_update_elem') mapHelperKinds.set(h, 'update');
  }
  return helpers;
}

function mapHelperList(rt: HelperRuntime): Helper[] {
  const { mem } = rt;
  const key = (map: { spec: { keySize: number } }, ptr: bigint) => mem.readBytes(ptr, map.spec.keySize);
  const ringbuf = (value: bigint, name: string): RingBufMap => {
    const map = mapArg(rt, value, name);
    if (!(map instanceof RingBufMap)) throw new VmError('EHELPER_FAULT', `${name}: map ${map.name} is not a ring buffer`);
    return map;
  };
  const sampleOwner = (sample: bigint, name: string): RingBufMap => {
    for (const m of rt.maps) if (m instanceof RingBufMap && m.isPending(Number(sample))) return m;
    throw new VmError('EHELPER_FAULT', `${name}: 0x${sample.toString(16)} is not a reserved ring buffer sample`);
  };
  const queue = (value: bigint, name: string): QueueStackMap => {
    const map = mapArg(rt, value, name);
    if (!(map instanceof QueueStackMap)) throw new VmError('EHELPER_FAULT', `${name}: map ${map.name} is not a queue or stack`);
    return map;
  };

  // Fast forms (int32 register halves): the map from r1's halves, the key checked in place.
  const mapAt = (regs: Int32Array, name: string): VmMap => {
    const map = regs[3] === MAP_POINTER_TAG_HI ? rt.maps[regs[2] >>> 0] : undefined;
    if (!map) throw new VmError('EHELPER_FAULT', `${name}: argument 0x${toBig(regs[2], regs[3]).toString(16)} is not a map`);
    return map;
  };
  const keyAt = (map: VmMap, regs: Int32Array, slot: number): Uint8Array => {
    const at = mem.check(regs[slot], regs[slot + 1], map.spec.keySize, PERM_READ);
    return mem.u8.slice(at, at + map.spec.keySize);
  };
  const setR0 = (regs: Int32Array, value: number): void => {
    regs[0] = value | 0;
    regs[1] = value < 0 ? -1 : 0;
  };
  const lookup = (vm: VmContext, m: bigint, k: bigint): bigint => {
    const map = mapArg(rt, m, 'map_lookup_elem');
    return BigInt(map.programLookup(key(map, k), vm.cpu));
  };
  const update = (vm: VmContext, m: bigint, k: bigint, v: bigint, flags: bigint): bigint => {
    const map = mapArg(rt, m, 'map_update_elem');
    if (map instanceof QueueStackMap) return BigInt.asUintN(64, BigInt(map.push(mem.readBytes(v, map.spec.valueSize), Number(flags))));
    const keyAddress = mem.checkBig(k, map.spec.keySize, PERM_READ);
    const value = mem.checkBig(v, map.spec.valueSize, PERM_READ);
    if (flags > 0xffffn) return err(EINVAL);
    return BigInt.asUintN(64, BigInt(map.programUpdateAt(mem.u8, keyAddress, value, Number(flags), vm.cpu)));
  };

  return [
    {
      ...helper('map_lookup_elem', lookup),
      fn32: (vm, regs) => {
        const map = mapAt(regs, 'map_lookup_elem');
        const at = mem.check(regs[4], regs[5], map.spec.keySize, PERM_READ);
        // The key is read in place (array index, hash index probe): no copy, no allocation.
        setR0(regs, map.programLookupAt(mem.u8, at, vm.cpu));
      },
    },
    {
      ...helper('map_update_elem', update),
      fn32: (vm, regs) => {
        const map = mapAt(regs, 'map_update_elem');
        if (map instanceof QueueStackMap) {
          fromBig(update(vm, toBig(regs[2], regs[3]), toBig(regs[4], regs[5]), toBig(regs[6], regs[7]), toBig(regs[8], regs[9])));
          regs[0] = out[0];
          regs[1] = out[1];
          return;
        }
        // The key is read in place (the hash index finds it there): no copy for an existing element.
        const keyAddress = mem.check(regs[4], regs[5], map.spec.keySize, PERM_READ);
        const value = mem.check(regs[6], regs[7], map.spec.valueSize, PERM_READ);
        if (regs[9] !== 0 || regs[8] >>> 0 > 0xffff) return setR0(regs, -EINVAL);
        setR0(regs, map.programUpdateAt(mem.u8, keyAddress, value, regs[8], vm.cpu));
      },
    },
    {
      ...helper('map_delete_elem', (_vm, m, k) => {
        const map = mapArg(rt, m, 'map_delete_elem');
        return BigInt.asUintN(64, BigInt(map.programDelete(key(map, k))));
      }),
      fn32: (_vm, regs) => {
        const map = mapAt(regs, 'map_delete_elem');
        setR0(regs, map.programDelete(keyAt(map, regs, 4)));
      },
    },
    helper('map_push_elem', (_vm, m, v, flags) => {
      const map = queue(m, 'map_push_elem');
      return BigInt.asUintN(64, BigInt(map.push(mem.readBytes(v, map.spec.valueSize), Number(flags))));
    }),
    helper('map_pop_elem', (_vm, m, v) => {
      const map = queue(m, 'map_pop_elem');
      mem.checkBig(v, map.spec.valueSize, PERM_WRITE);
      const value = map.take(true);
      // The kernel zeroes the destination when the map is empty.
      if (!value) {
        mem.writeBytes(v, new Uint8Array(map.spec.valueSize));
        return err(ENOENT);
      }
      mem.writeBytes(v, value);
      return 0n;
    }),
    helper('map_peek_elem', (_vm, m, v) => {
      const map = queue(m, 'map_peek_elem');
      mem.checkBig(v, map.spec.valueSize, PERM_WRITE);
      const value = map.take(false);
      if (!value) {
        mem.writeBytes(v, new Uint8Array(map.spec.valueSize));
        return err(ENOENT);
      }
      mem.writeBytes(v, value);
      return 0n;
    }),
    helper('for_each_map_elem', (vm, m, callback, cbCtx, flags) => {
      const map = mapArg(rt, m, 'for_each_map_elem');
      if (flags !== 0n) return err(EINVAL);
      const keyAddress = BigInt(rt.scratch.base);
      let visited = 0;
      const visit = (keyBytes: Uint8Array, valueAddress: number): boolean => {
        mem.u8.set(keyBytes, rt.scratch.base);
        visited++;
        return vm.invokeFunction(callback, m, keyAddress, BigInt(valueAddress), cbCtx, 0n) !== 0n;
      };
      if (map instanceof ArrayMap) {
        const k = new Uint8Array(4);
        for (let i = 0; i < map.spec.maxEntries; i++) {
          new DataView(k.buffer).setUint32(0, i, true);
          if (visit(k, map.programLookup(k, vm.cpu))) break;
        }
      } else if (map instanceof HashMap) {
        for (const k of map.keys()) {
          const at = map.peekAddress(k, vm.cpu);
          if (at !== 0 && visit(k, at)) break;
        }
      } else {
        return err(EINVAL);
      }
      return BigInt(visited);
    }),
    helper('ringbuf_reserve', (_vm, m, size, flags) => {
      const map = ringbuf(m, 'ringbuf_reserve');
      if (flags !== 0n || size > 0xffffffffn) return 0n;
      return BigInt(map.reserve(Number(size)));
    }),
    helper('ringbuf_submit', (_vm, sample) => {
      sampleOwner(sample, 'ringbuf_submit').commit(Number(sample), false);
      return 0n;
    }),
    helper('ringbuf_discard', (_vm, sample) => {
      sampleOwner(sample, 'ringbuf_discard').commit(Number(sample), true);
      return 0n;
    }),
    helper('ringbuf_output', (_vm, m, data, size, flags) => {
      const map = ringbuf(m, 'ringbuf_output');
      if (flags & ~3n) return err(EINVAL);
      const bytes = mem.readBytes(data, Number(size));
      const at = map.reserve(bytes.length);
      if (at === 0) return err(11); // -EAGAIN
      mem.u8.set(bytes, at);
      map.commit(at, false);
      return 0n;
    }),
    helper('ringbuf_query', (_vm, m, flags) => ringbuf(m, 'ringbuf_query').query(Number(flags))),
    helper('perf_event_output', (vm, _ctx, m, flags, data, size) => {
      const map = mapArg(rt, m, 'perf_event_output');
      if (!(map instanceof PerfEventArrayMap)) return err(EINVAL);
      if (size > 0xffffn) return err(E2BIG);
      return BigInt.asUintN(64, BigInt(map.output(flags, mem.readBytes(data, Number(size)), vm.cpu)));
    }),
    helper('tail_call', (vm, _ctx, m, index) => {
      const map = mapArg(rt, m, 'tail_call');
      if (!(map instanceof ProgArrayMap)) return err(EINVAL);
      const target = index <= 0xffffffffn ? map.program(Number(index)) : undefined;
      if (!target) return err(ENOENT);
      vm.tailCallTarget = target;
      return 0n;
    }),
  ];
}
