import { BtfError } from './errors.js';
import { BtfKind, isModifierKind, type BtfType } from './types.js';

/** How many typedef/modifier/array hops a resolution may take before it is called a loop (libbpf uses 32). */
export const MAX_RESOLVE_DEPTH = 32;
/** How deeply structs, arrays and vars may nest by value (a cycle would be infinite). */
export const MAX_NESTING_DEPTH = 256;
/** Largest type size accepted when computing sizes (4 GiB; the kernel caps value sizes far lower). */
export const MAX_TYPE_SIZE = 0xffff_ffff;

/**
 * A parsed `.BTF` type graph. Type ids index `types` (id 0 is `void`). All type references were
 * checked to be in range when parsing, so lookups by a reference never fail; resolution through
 * typedefs and modifiers is depth-bounded so a hostile cycle ends in `BtfError('E_LOOP')`.
 */
export class Btf {
  private nameIndex?: Map<string, number[]>;
  /** Struct alignments are memoised: members can share types, and a hostile DAG would otherwise be exponential. */
  private readonly alignCache = new Map<number, number>();

  constructor(
    readonly types: readonly BtfType[],
    private readonly strings: (offset: number) => string,
    /** Byte offset of each type's record within the `.BTF` section (0 for void), for in-place fix-ups. */
    readonly typeOffsets: readonly number[] = [],
  ) {}

  /** Number of type ids including void (id 0). */
  get count(): number {
    return this.types.length;
  }

  type(id: number): BtfType {
    const t = this.types[id];
    if (t === undefined || !Number.isInteger(id)) throw new BtfError('E_TYPE_ID', `no BTF type with id ${id} (${this.types.length} types)`);
    return t;
  }

  /** The string at `offset` of the string section. */
  stringAt(offset: number): string {
    return this.strings(offset);
  }

  /** Ids of every type with this name, optionally of one kind. */
  findAllByName(name: string, kind?: BtfKind): number[] {
    if (!this.nameIndex) {
      const index = new Map<string, number[]>();
      for (const t of this.types) {
        if (!t.name) continue;
        const ids = index.get(t.name);
        if (ids) ids.push(t.id);
        else index.set(t.name, [t.id]);
      }
      this.nameIndex = index;
    }
    const ids = this.nameIndex.get(name) ?? [];
    return kind === undefined ? [...ids] : ids.filter((id) => this.types[id]!.kind === kind);
  }

  /** The first type with this name (and kind), or undefined. */
  findByName(name: string, kind?: BtfKind): BtfType | undefined {
    const [id] = this.findAllByName(name, kind);
    return id === undefined ? undefined : this.types[id];
  }

  /** Follows typedefs, const/volatile/restrict and type tags to the underlying type. */
  resolve(id: number): BtfType {
    let t = this.type(id);
    for (let depth = 0; isModifierKind(t.kind); depth++) {
      if (depth >= MAX_RESOLVE_DEPTH) throw new BtfError('E_LOOP', `type ${id}: more than ${MAX_RESOLVE_DEPTH} typedef/modifier hops (a cycle?)`);
      t = this.type((t as { type: number }).type);
    }
    return t;
  }

  /** Like `resolve`, but also skips VAR to its variable's type. */
  resolveVar(id: number): BtfType {
    const t = this.resolve(id);
    return t.kind === BtfKind.VAR ? this.resolve(t.type) : t;
  }

  /** Size in bytes of a value of this type (`sizeof`). */
  sizeOf(id: number, depth = 0): number {
    if (depth > MAX_NESTING_DEPTH) throw new BtfError('E_LOOP', `type ${id}: types nested deeper than ${MAX_NESTING_DEPTH} (a cycle?)`);
    const t = this.resolve(id);
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.STRUCT:
      case BtfKind.UNION:
      case BtfKind.FLOAT:
      case BtfKind.DATASEC:
        return t.size;
      case BtfKind.PTR:
        return 8;
      case BtfKind.VAR:
        return this.sizeOf(t.type, depth + 1);
      case BtfKind.ARRAY: {
        const size = t.nelems * this.sizeOf(t.type, depth + 1);
        if (size > MAX_TYPE_SIZE) throw new BtfError('E_LIMIT', `type ${id}: array size ${size} exceeds ${MAX_TYPE_SIZE}`);
        return size;
      }
      default:
        throw new BtfError('E_KIND', `type ${id} (${BtfKind[t.kind]}) has no size`);
    }
  }

  /** Alignment in bytes (like libbpf's btf__align_of: packed structs align to 1). */
  alignOf(id: number, depth = 0): number {
    if (depth > MAX_NESTING_DEPTH) throw new BtfError('E_LOOP', `type ${id}: types nested deeper than ${MAX_NESTING_DEPTH} (a cycle?)`);
    const t = this.resolve(id);
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.FLOAT:
        return Math.max(1, Math.min(t.size, 8));
      case BtfKind.PTR:
        return 8;
      case BtfKind.ARRAY:
      case BtfKind.VAR:
        return this.alignOf(t.type, depth + 1);
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        const cached = this.alignCache.get(t.id);
        if (cached !== undefined) return cached;
        let max = 1;
        for (const m of t.members) {
          const align = this.alignOf(m.type, depth + 1);
          // A member that is not naturally aligned means the struct was declared packed.
          if (m.bitfieldSize === 0 && m.bitOffset % (align * 8) !== 0) {
            max = 0;
            break;
          }
          max = Math.max(max, align);
        }
        const result = max === 0 || t.size % max !== 0 ? 1 : max;
        this.alignCache.set(t.id, result);
        return result;
      }
      case BtfKind.DATASEC:
        return 1;
      default:
        throw new BtfError('E_KIND', `type ${id} (${BtfKind[t.kind]}) has no alignment`);
    }
  }
}
