import type { JsonValue } from '@bpfleet/btf';
import { BpfMapType, type BpfMapSpec } from '@bpfleet/elf';
import { isPerCpu, isReadable, type KernelMap } from '@bpfleet/kernel';
import type { VmMap } from '@bpfleet/vm';
import type { CliIo } from '../io.js';
import { formatMap, formatValue, type MapDecoder, type MapReader } from './trace-format.js';

/** Global-data maps that never change at run time are not worth printing every interval. */
export function worthPrinting(name: string, type: number): boolean {
  return type !== BpfMapType.RINGBUF && type !== BpfMapType.PERF_EVENT_ARRAY && !name.endsWith('.rodata') && !name.endsWith('.kconfig');
}

export function kernelMapReader(map: KernelMap): MapReader {
  return {
    name: map.name,
    type: map.type,
    keySize: map.keySize,
    valueSize: map.valueSize,
    maxEntries: map.maxEntries,
    btfKeyTypeId: map.btfKeyTypeId,
    btfValueTypeId: map.btfValueTypeId,
    perCpu: map.perCpu,
    cpus: map.cpus,
    readable: map.readable,
    entries: () => map.lookupBatch(),
  };
}

export function vmMapReader(map: VmMap, cpus: number): MapReader {
  const spec: BpfMapSpec = map.spec;
  return {
    name: map.name,
    type: map.type,
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: spec.maxEntries,
    btfKeyTypeId: spec.btfKeyTypeId,
    btfValueTypeId: spec.btfValueTypeId,
    perCpu: isPerCpu(map.type),
    cpus,
    readable: isReadable(map.type),
    entries: () => [...map.entries()].map(([key, value]) => ({ key, value })),
  };
}

/** Prints maps every interval and ring-buffer records as they come, as text or JSON lines. */
export class TracePrinter {
  constructor(
    private readonly decoder: MapDecoder,
    private readonly io: CliIo,
    private readonly json: boolean,
  ) {}

  maps(readers: readonly MapReader[]): void {
    const time = new Date().toISOString();
    const maps: Record<string, { key: JsonValue; value: JsonValue }[]> = {};
    const text: string[] = [`--- ${time}`];
    for (const map of readers) {
      if (!map.readable || !worthPrinting(map.name, map.type)) continue;
      const entries = this.decoder.entries(map, map.entries());
      if (this.json) maps[map.name] = entries.map((e) => ({ key: e.key, value: e.value }));
      else text.push(...formatMap(map, entries, this.decoder.isHistogram(map)));
    }
    if (this.json) this.io.out(JSON.stringify({ type: 'maps', time, maps }));
    else this.io.out(text.join('\n'));
  }

  event(map: string, bytes: Uint8Array): void {
    const event = this.decoder.record(bytes);
    if (this.json) this.io.out(JSON.stringify({ type: 'event', map, time: new Date().toISOString(), event }));
    else this.io.out(`${map}: ${formatValue(event)}`);
  }
}
