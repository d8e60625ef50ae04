import { mapHelpers } from './map-helpers.js';
import { miscHelpers } from './misc-helpers.js';
import { packetHelpers } from './packet-helpers.js';
import type { HelperRuntime } from './runtime.js';
import type { Helper, HelperTable } from './types.js';

/** Every kernel helper the VM implements, bound to one VM's memory and maps, by helper id. */
export function buildHelperTable(rt: HelperRuntime, extra: readonly Helper[] = []): HelperTable {
  const table = new Map<number, Helper>();
  for (const h of [...mapHelpers(rt), ...miscHelpers(rt), ...packetHelpers(rt), ...extra]) table.set(h.id, h);
  return table;
}
