import type { Btf } from './btf.js';
import { BtfError } from './errors.js';
import { BtfKind, type BtfComposite, type BtfDatasec, type BtfEnum, type BtfFuncProto, type BtfType } from './types.js';

/** Bound on declarator nesting (pointer to array of pointers ...) and inline anonymous types. */
const MAX_FORMAT_DEPTH = 32;
/** Bound on printed parts, so a DAG of anonymous types sharing members cannot blow up exponentially. */
const MAX_FORMAT_PARTS = 100_000;

export interface FormatOptions {
  /** Print struct/union/enum bodies across lines with this indent (default: one line). */
  readonly indent?: string;
}

/** A C type expression: `__u64 *`, `char[16]`, `struct task_struct *`, `int (*)(void *)`. */
export function formatType(btf: Btf, id: number, options: FormatOptions = {}): string {
  return new Printer(btf, options).declaration(id, '', 0);
}

/** A C declaration of `name` with this type: `char comm[16]`, `__u64 *value`. */
export function formatDeclaration(btf: Btf, id: number, name: string, options: FormatOptions = {}): string {
  return new Printer(btf, options).declaration(id, name, 0);
}

/**
 * The definition of a named type, as C: `struct foo { __u32 a; char comm[16]; }`, `enum e { A = 0 }`,
 * `typedef unsigned int __u32`, `int handler(void *ctx)`. Other kinds print as their type expression.
 */
export function formatDefinition(btf: Btf, id: number, options: FormatOptions = {}): string {
  const p = new Printer(btf, options);
  const t = btf.type(id);
  switch (t.kind) {
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return p.composite(t, 0);
    case BtfKind.ENUM:
    case BtfKind.ENUM64:
      return p.enumeration(t, 0);
    case BtfKind.TYPEDEF:
      return `typedef ${p.declaration(t.type, t.name, 0)}`;
    case BtfKind.FUNC:
    case BtfKind.VAR:
      return p.declaration(t.type, t.name, 0);
    case BtfKind.DATASEC:
      return `SEC("${t.name}") ${p.datasecBody(t)}`;
    case BtfKind.DECL_TAG:
      return `__attribute__((btf_decl_tag("${t.name}"))) on ${formatType(btf, t.type)}${t.componentIdx >= 0 ? ` #${t.componentIdx}` : ''}`;
    default:
      return p.declaration(id, '', 0);
  }
}

class Printer {
  private parts = 0;

  constructor(
    private readonly btf: Btf,
    private readonly options: FormatOptions,
  ) {}

  declaration(id: number, inner: string, depth: number, level = 0): string {
    if (depth > MAX_FORMAT_DEPTH) throw new BtfError('E_LOOP', `type ${id}: declarator nested deeper than ${MAX_FORMAT_DEPTH} (a cycle?)`);
    if (++this.parts > MAX_FORMAT_PARTS) throw new BtfError('E_LIMIT', `type ${id}: more than ${MAX_FORMAT_PARTS} parts to print`);
    const t = this.btf.type(id);
    switch (t.kind) {
      case BtfKind.VOID:
        return join('void', inner);
      case BtfKind.INT:
      case BtfKind.FLOAT:
      case BtfKind.TYPEDEF:
        return join(t.name, inner);
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        return join(t.name ? `${keyword(t)} ${t.name}` : this.composite(t, depth + 1, level), inner);
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        return join(t.name ? `enum ${t.name}` : this.enumeration(t, depth + 1, level), inner);
      case BtfKind.FWD:
        return join(`${t.isUnion ? 'union' : 'struct'} ${t.name}`, inner);
      case BtfKind.PTR: {
        const target = this.btf.type(t.type).kind;
        const star = target === BtfKind.ARRAY || target === BtfKind.FUNC_PROTO ? `(*${inner})` : `*${inner}`;
        return this.declaration(t.type, star, depth + 1, level);
      }
      case BtfKind.CONST:
      case BtfKind.VOLATILE:
      case BtfKind.RESTRICT: {
        const word = t.kind === BtfKind.CONST ? 'const' : t.kind === BtfKind.VOLATILE ? 'volatile' : 'restrict';
        // On a pointer the qualifier goes after the star (`char * const p`), otherwise before the base type.
        if (this.btf.type(t.type).kind === BtfKind.PTR) return this.declaration(t.type, join(word, inner), depth + 1, level);
        return `${word} ${this.declaration(t.type, inner, depth + 1, level)}`;
      }
      case BtfKind.TYPE_TAG:
        return this.declaration(t.type, inner, depth + 1, level);
      case BtfKind.ARRAY:
        return this.declaration(t.type, `${inner}[${t.nelems}]`, depth + 1, level);
      case BtfKind.FUNC_PROTO:
        return this.declaration(t.returnType, `${inner}(${this.params(t, depth, level)})`, depth + 1, level);
      case BtfKind.FUNC:
      case BtfKind.VAR:
        return this.declaration(t.type, inner || t.name, depth + 1, level);
      case BtfKind.DATASEC:
        return join(`SEC("${t.name}")`, inner);
      case BtfKind.DECL_TAG:
        return join(`decl_tag("${t.name}")`, inner);
    }
  }

  composite(t: BtfComposite, depth: number, level = 0): string {
    if (depth > MAX_FORMAT_DEPTH) throw new BtfError('E_LOOP', `type ${t.id}: anonymous types nested deeper than ${MAX_FORMAT_DEPTH}`);
    const head = t.name ? `${keyword(t)} ${t.name}` : keyword(t);
    const members = t.members.map((m) => `${this.declaration(m.type, m.name, depth + 1, level + 1)}${m.bitfieldSize ? `: ${m.bitfieldSize}` : ''};`);
    return `${head} ${this.body(members, level)}`;
  }

  enumeration(t: BtfEnum, depth: number, level = 0): string {
    if (depth > MAX_FORMAT_DEPTH) throw new BtfError('E_LOOP', `type ${t.id}: anonymous types nested deeper than ${MAX_FORMAT_DEPTH}`);
    const head = t.name ? `enum ${t.name}` : 'enum';
    return `${head} ${this.body(t.values.map((v, i) => `${v.name} = ${v.value}${i < t.values.length - 1 ? ',' : ''}`), level)}`;
  }

  private body(lines: string[], level: number): string {
    if (lines.length === 0) return '{}';
    const indent = this.options.indent;
    if (indent === undefined) return `{ ${lines.join(' ')} }`;
    const pad = indent.repeat(level + 1);
    return `{\n${lines.map((l) => pad + l).join('\n')}\n${indent.repeat(level)}}`;
  }

  /** A DATASEC's variables as declarations (`__u64 packets_seen;`), in section order. */
  datasecBody(t: BtfDatasec): string {
    const lines = t.vars.map((v) => {
      const variable = this.btf.type(v.type);
      return variable.kind === BtfKind.VAR ? `${this.declaration(variable.type, variable.name, 1, 1)};` : `${this.declaration(v.type, '', 1, 1)};`;
    });
    return this.body(lines, 0);
  }

  private params(t: BtfFuncProto, depth: number, level: number): string {
    if (t.params.length === 0) return 'void';
    return t.params
      .map((p, i) => (p.type === 0 && i === t.params.length - 1 ? '...' : this.declaration(p.type, p.name, depth + 1, level)))
      .join(', ');
  }
}

function keyword(t: BtfType): string {
  return t.kind === BtfKind.UNION ? 'union' : 'struct';
}

function join(base: string, inner: string): string {
  if (!inner) return base;
  const glued = inner.startsWith('[') || (inner.startsWith('(') && !inner.startsWith('(*'));
  return glued ? `${base}${inner}` : `${base} ${inner}`;
}
