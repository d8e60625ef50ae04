import { BtfKind, decodeValue, formatType, type Btf, type JsonValue } from '@bpfleet/btf';
import type { BpfMapSpec } from '@bpfleet/elf';
import type { MapEntry, MapKind, MapSnapshot, RingEvent } from '@bpfleet/protocol';
import type { RawEvent, RawMap } from '@bpfleet/vm-host';

export { isPerCpuType, isStreamed, type RawMap } from '@bpfleet/vm-host';

function isIntegerType(btf: Btf | undefined, id: number): boolean {
  if (!btf || id === 0) return true;
  const t = btf.resolve(id);
  return t.kind === BtfKind.INT || t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64;
}

/**
 * How the controller should treat a map: an integer value of 4 or 8 bytes is a counter (deltas),
 * unless the name says it is a level (`gauge`, `last`, `cur`); integer slots of a map named like a
 * histogram are a log2 histogram; anything else (structs) is a gauge sent whole.
 */
export function classifyMap(spec: BpfMapSpec, btf: Btf | undefined): MapKind {
  const intValue = (spec.valueSize === 8 || spec.valueSize === 4) && isIntegerType(btf, spec.btfValueTypeId);
  if (!intValue) return 'gauge';
  if (/hist|log2|slot/i.test(spec.name) && isIntegerType(btf, spec.btfKeyTypeId)) return 'log2_histogram';
  if (/gauge|last|cur/i.test(spec.name)) return 'gauge';
  return 'counter';
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

function readUint(bytes: Uint8Array, offset: number, size: number): bigint {
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, size);
  return size === 8 ? v.getBigUint64(0, true) : BigInt(v.getUint32(0, true));
}

/** Sum of an integer value over its per-CPU slots. */
function integerValue(raw: RawMap, value: Uint8Array): bigint {
  const size = raw.spec.valueSize;
  if (!raw.perCpu) return readUint(value, 0, size);
  const stride = (size + 7) & ~7;
  let sum = 0n;
  for (let off = 0; off + size <= value.length; off += stride) sum += readUint(value, off, size);
  return sum;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
function jsonInt(v: bigint): JsonValue {
  return v <= MAX_SAFE ? Number(v) : v.toString();
}

function u64Hex(v: bigint): string {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return hex(b);
}

const U64 = 1n << 64n;

/**
 * Turns raw map reads into protocol snapshots. Keeps the previous value of every counter key so a
 * counter entry carries the increase since the previous snapshot (a value that went down, e.g. a map
 * recreated, counts as a restart from zero). Only changed counter keys are sent.
 */
export class MapSnapshotter {
  private readonly previous = new Map<string, Map<string, bigint>>();

  constructor(private readonly btf: Btf | undefined) {}

  /** Baselines for counters (carried over from a previous version or a previous run of the agent). */
  exportBaselines(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const [map, keys] of this.previous) out[map] = Object.fromEntries([...keys].map(([k, v]) => [k, v.toString()]));
    return out;
  }

  importBaselines(baselines: Record<string, Record<string, string>>): void {
    for (const [map, keys] of Object.entries(baselines)) this.previous.set(map, new Map(Object.entries(keys).map(([k, v]) => [k, BigInt(v)])));
  }

  snapshot(raw: RawMap): MapSnapshot {
    const kind = classifyMap(raw.spec, this.btf);
    const typeName = (id: number) => (this.btf && id !== 0 ? safe(() => formatType(this.btf as Btf, id)) : undefined);
    const keyType = typeName(raw.spec.btfKeyTypeId);
    const valueType = typeName(raw.spec.btfValueTypeId);
    const entries: MapEntry[] = [];
    if (kind === 'counter') {
      const prev = this.previous.get(raw.spec.name) ?? new Map<string, bigint>();
      const next = new Map<string, bigint>();
      for (const { key, value } of raw.entries) {
        const keyHex = hex(key);
        const now = integerValue(raw, value);
        next.set(keyHex, now);
        const before = prev.get(keyHex) ?? 0n;
        const delta = now >= before ? now - before : now;
        if (delta === 0n) continue;
        entries.push({ key: this.decode(raw.spec.btfKeyTypeId, key), value: jsonInt(delta % U64), keyHex, valueHex: u64Hex(delta) });
      }
      this.previous.set(raw.spec.name, next);
    } else {
      for (const { key, value } of raw.entries) {
        const decodedValue = kind === 'log2_histogram' ? jsonInt(integerValue(raw, value)) : this.decodeValue(raw, value);
        entries.push({ key: this.decode(raw.spec.btfKeyTypeId, key), value: decodedValue, keyHex: hex(key), valueHex: hex(value) });
      }
    }
    return { map: raw.spec.name, kind, ...(keyType ? { keyType } : {}), ...(valueType ? { valueType } : {}), entries };
  }

  /**
   * Ring-buffer records decoded by the struct of exactly their size (preferring one named like
   * `event`), else left as hex: the raw bytes always travel too.
   */
  events(raw: readonly RawEvent[]): RingEvent[] {
    return raw.map((e) => {
      const typeId = this.eventType(e.bytes.length);
      return { map: e.map, ts: e.ts.toString(), data: typeId ? this.decode(typeId, e.bytes) : hex(e.bytes), hex: hex(e.bytes) };
    });
  }

  private readonly eventTypes = new Map<number, number>();
  private eventType(size: number): number {
    const btf = this.btf;
    if (!btf) return 0;
    let id = this.eventTypes.get(size);
    if (id === undefined) {
      const candidates: { id: number; name: string }[] = [];
      for (let i = 1; i < btf.count; i++) {
        const t = btf.type(i);
        if (t.kind === BtfKind.STRUCT && safe(() => btf.sizeOf(i)) === size) candidates.push({ id: i, name: t.name });
      }
      id = (candidates.find((c) => /event/i.test(c.name)) ?? candidates[0])?.id ?? 0;
      this.eventTypes.set(size, id);
    }
    return id;
  }

  private decode(typeId: number, bytes: Uint8Array): JsonValue {
    if (this.btf && typeId !== 0) {
      const v = safe(() => decodeValue(this.btf as Btf, typeId, bytes));
      if (v !== undefined) return v;
    }
    return hex(bytes);
  }

  private decodeValue(raw: RawMap, value: Uint8Array): JsonValue {
    if (!raw.perCpu) return this.decode(raw.spec.btfValueTypeId, value);
    const stride = (raw.spec.valueSize + 7) & ~7;
    const out: JsonValue[] = [];
    for (let off = 0; off + raw.spec.valueSize <= value.length; off += stride) out.push(this.decode(raw.spec.btfValueTypeId, value.subarray(off, off + raw.spec.valueSize)));
    return out;
  }
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
