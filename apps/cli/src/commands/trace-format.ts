import { BtfKind, decodeValue, type Btf, type JsonValue } from '@bpfleet/btf';
import { BpfMapType } from '@bpfleet/elf';
import { splitPerCpu, toHex, type MapEntry } from '@bpfleet/kernel';

/**
 * What the printer needs of a map, wherever it lives: a kernel map (kernelMapReader) or a VM map
 * (vmMapReader). Per-CPU values come as the kernel lays them out: one 8-byte aligned slot per CPU.
 */
export interface MapReader {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly btfKeyTypeId: number;
  readonly btfValueTypeId: number;
  readonly perCpu: boolean;
  readonly cpus: number;
  /** Whether entries() can list it (not prog arrays, ring buffers, ...). */
  readonly readable: boolean;
  entries(): MapEntry[];
}

/** One decoded map entry: typed key and value (hex when no BTF describes them). */
export interface DecodedEntry {
  readonly key: JsonValue;
  readonly value: JsonValue;
}

const HIST_NAME = /hist|log2|slots?$/i;
const BAR_WIDTH = 52;

/** Decodes map keys and values by the object's BTF. */
export class MapDecoder {
  constructor(private readonly btf: Btf | undefined) {}

  private decode(typeId: number, bytes: Uint8Array): JsonValue {
    if (!this.btf || typeId === 0) return toHex(bytes);
    try {
      return decodeValue(this.btf, typeId, bytes);
    } catch {
      return toHex(bytes);
    }
  }

  /** Per-CPU values are summed when numeric (like bpftrace's totals), listed per CPU otherwise. */
  entries(map: MapReader, raw: readonly MapEntry[]): DecodedEntry[] {
    return raw.map(({ key, value }) => {
      const k = this.decode(map.btfKeyTypeId, key);
      if (!map.perCpu) return { key: k, value: this.decode(map.btfValueTypeId, value) };
      const slots = splitPerCpu(value, map.valueSize, map.cpus).map((v) => this.decode(map.btfValueTypeId, v));
      const summed = slots.every((s) => typeof s === 'number') ? (slots as number[]).reduce((a, b) => a + b, 0) : slots;
      return { key: k, value: summed };
    });
  }

  /** Whether a map is a log2 histogram: integer slot keys, integer counts, and a histogram-like name. */
  isHistogram(map: MapReader): boolean {
    if (!HIST_NAME.test(map.name) || map.maxEntries > 65) return false;
    if (map.type !== BpfMapType.ARRAY && map.type !== BpfMapType.PERCPU_ARRAY && map.type !== BpfMapType.HASH) return false;
    return this.isInteger(map.btfKeyTypeId, map.keySize) && this.isInteger(map.btfValueTypeId, map.valueSize);
  }

  private isInteger(typeId: number, size: number): boolean {
    if (!this.btf || typeId === 0) return size === 4 || size === 8;
    const t = this.btf.resolve(typeId);
    return t.kind === BtfKind.INT || t.kind === BtfKind.ENUM;
  }

  /**
   * A decoded ring-buffer record: by a struct named like `event` of exactly the record's size, when the
   * object's BTF has one (clang only emits BTF for types reachable from globals, maps or function
   * signatures), else hex.
   */
  record(bytes: Uint8Array): JsonValue {
    const id = this.eventType(bytes.length);
    return id ? this.decode(id, bytes) : toHex(bytes);
  }

  private readonly eventTypes = new Map<number, number | null>();
  private eventType(size: number): number | null {
    let id = this.eventTypes.get(size);
    if (id !== undefined) return id;
    id = null;
    if (this.btf) {
      const hit = this.btf.types.findIndex((t) => t.kind === BtfKind.STRUCT && /event/i.test(t.name) && t.size === size);
      if (hit > 0) id = hit;
    }
    this.eventTypes.set(size, id);
    return id;
  }
}

function humanSize(n: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P', 'E'];
  let u = 0;
  while (n >= 1024 && n % 1024 === 0 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${n}${units[u]}`;
}

/** A log2 histogram drawn like bpftrace's hist(): one row per slot from the first to the last non-empty one. */
export function formatHistogram(entries: readonly DecodedEntry[]): string[] {
  const counts = new Map<number, number>();
  for (const e of entries) {
    const slot = Number(e.key);
    const count = Number(e.value);
    if (Number.isFinite(slot) && Number.isFinite(count) && count > 0) counts.set(slot, (counts.get(slot) ?? 0) + count);
  }
  if (counts.size === 0) return ['  (empty)'];
  const slots = [...counts.keys()];
  const lo = Math.min(...slots);
  const hi = Math.max(...slots);
  const max = Math.max(...counts.values());
  const rows: string[] = [];
  for (let s = lo; s <= hi; s++) {
    const count = counts.get(s) ?? 0;
    const from = s === 0 ? 0 : 2 ** s;
    const range = `[${humanSize(from)}, ${humanSize(2 ** (s + 1))})`;
    const bar = '@'.repeat(Math.round((count / max) * BAR_WIDTH));
    rows.push(`${range.padEnd(20)}${String(count).padStart(8)} |${bar.padEnd(BAR_WIDTH)}|`);
  }
  return rows;
}

/** A JSON value on one line, with strings quoted and objects as `{ a: 1, b: "x" }`. */
export function formatValue(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  return `{ ${Object.entries(v)
    .map(([k, x]) => `${k}: ${formatValue(x)}`)
    .join(', ')} }`;
}

/** Text for one map at one interval: a histogram, or `key => value` lines sorted by value (largest first). */
export function formatMap(map: Pick<MapReader, 'name'>, entries: readonly DecodedEntry[], histogram: boolean, limit = 20): string[] {
  const head = `@${map.name}${histogram ? ' (log2 histogram)' : ''}: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`;
  if (histogram) return [head, ...formatHistogram(entries)];
  const sorted = [...entries].sort((a, b) => (typeof b.value === 'number' && typeof a.value === 'number' ? b.value - a.value : 0));
  const rows = sorted.slice(0, limit).map((e) => `  ${formatValue(e.key)} => ${formatValue(e.value)}`);
  if (sorted.length > limit) rows.push(`  ... ${sorted.length - limit} more`);
  return [head, ...rows];
}
