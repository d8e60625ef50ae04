import type { AddressSpace, Region } from '../memory/address-space.js';
import { VmError } from '../memory/fault.js';
import type { VmMap } from '../maps/map.js';
import { decodeMapPointer, type Helper, type HelperFn } from './types.js';
import { HELPER_NAMES } from './generated/helper-ids.js';

/** What helpers of one VM share: its memory, its maps, a scratch region for keys they hand out. */
export interface HelperRuntime {
  readonly mem: AddressSpace;
  readonly maps: readonly VmMap[];
  /** Read-only-for-programs region the VM copies keys into for `for_each_map_elem` callbacks. */
  readonly scratch: Region;
}

/** The map a map-pointer argument names; a helper given anything else is a fault of the program. */
export function mapArg(rt: HelperRuntime, value: bigint, helper: string): VmMap {
  const index = decodeMapPointer(value);
  const map = index >= 0 ? rt.maps[index] : undefined;
  if (!map) throw new VmError('EHELPER_FAULT', `${helper}: argument 0x${value.toString(16)} is not a map`);
  return map;
}

/** Reads a NUL-terminated string of at most `max` bytes from checked memory. */
export function readCString(mem: AddressSpace, ptr: bigint, max: number): string {
  let s = '';
  for (let i = 0; i < max; i++) {
    if (!mem.isAccessible(ptr + BigInt(i), 1, 1)) break;
    const b = mem.u8[Number(ptr) + i];
    if (b === 0) break;
    s += String.fromCharCode(b);
  }
  return s;
}

/** Defines a helper by its kernel name (the id comes from `enum bpf_func_id`). */
export function helper(name: string, fn: HelperFn): Helper {
  const id = HELPER_NAMES.indexOf(name);
  if (id < 0) throw new Error(`unknown kernel helper ${name}`);
  return { id, name, fn };
}

/** Negative errno as the u64 a helper returns. */
export function err(errno: number): bigint {
  return BigInt.asUintN(64, BigInt(-errno));
}
