import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KernelError } from '../errors.js';
import { TRACEFS } from '../probe/filesystems.js';

/** One field of a tracepoint record, as tracefs describes it. */
export interface TracepointField {
  readonly declaration: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
}

export interface TracepointFormat {
  readonly name: string;
  readonly id: number;
  readonly fields: readonly TracepointField[];
  /** Bytes of the record's fixed part (end of the last field). */
  readonly recordSize: number;
  /**
   * Whether the record has `__data_loc` fields: variable-length data (strings, arrays) stored after
   * the fixed part, found through a u32 (length << 16 | offset) in the field.
   */
  readonly dynamic: boolean;
}

const FIELD = /^\s*field:(.+?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);/;

/** Parses the text of `events/<category>/<name>/format`. */
export function parseTracepointFormat(text: string): TracepointFormat {
  const name = /^name:\s*(\S+)/m.exec(text)?.[1];
  const id = Number(/^ID:\s*(\d+)/m.exec(text)?.[1] ?? NaN);
  const fields: TracepointField[] = [];
  for (const line of text.split('\n')) {
    const m = FIELD.exec(line);
    if (m) fields.push({ declaration: m[1]!.trim(), offset: Number(m[2]), size: Number(m[3]), signed: m[4] === '1' });
  }
  if (!name || !Number.isSafeInteger(id) || fields.length === 0) throw new KernelError('not a tracepoint format (name, ID and fields expected)', 'format', 22);
  const recordSize = Math.max(...fields.map((f) => f.offset + f.size));
  return { name, id, fields, recordSize, dynamic: fields.some((f) => f.declaration.startsWith('__data_loc') || f.declaration.startsWith('__rel_loc')) };
}

/** Reads and parses the format of tracepoint `category/name` from tracefs. */
export function readTracepointFormat(target: string): TracepointFormat {
  if (!/^[\w-]+\/[\w-]+$/.test(target)) throw new KernelError(`tracepoint must be category/name, got ${JSON.stringify(target)}`, 'format', 22);
  const path = join(TRACEFS, 'events', target, 'format');
  try {
    return parseTracepointFormat(readFileSync(path, 'utf8'));
  } catch (e) {
    if (e instanceof KernelError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new KernelError(`tracepoint ${target}: cannot read ${path}: ${(e as Error).message}`, 'open', code === 'ENOENT' ? 2 : 13);
  }
}
