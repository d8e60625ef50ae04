import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isValidAgentId } from '@bpfleet/protocol';
import { AgentError } from './errors.js';

/** Write via a temporary file and rename, so a crash never leaves a half-written file. */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, file);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * What the agent keeps across restarts in its data dir: its id and the last metric sequence number
 * it assigned (so a restarted agent never reuses one; dedup on the controller relies on that).
 */
export class StateStore {
  private seq: number;

  constructor(readonly dataDir: string) {
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new AgentError('DATA_DIR_UNUSABLE', `cannot create data dir ${dataDir}: ${(e as Error).message}`, { dataDir });
    }
    const text = readText(this.seqFile);
    const n = text === undefined ? 0 : Number(text.trim());
    if (!Number.isSafeInteger(n) || n < 0) throw new AgentError('STATE_CORRUPT', `${this.seqFile} holds ${JSON.stringify(text)}, not a sequence number`);
    this.seq = n;
  }

  private get seqFile(): string {
    return join(this.dataDir, 'seq');
  }

  /** The configured id, else the one kept in the data dir, else a new one (`<host>-<random>`) kept there. */
  agentId(configured?: string): string {
    const file = join(this.dataDir, 'agent-id');
    if (configured !== undefined) {
      if (!isValidAgentId(configured)) throw new AgentError('CONFIG_INVALID', `agent id ${JSON.stringify(configured)} must be 1-64 of [A-Za-z0-9_-]`);
      return configured;
    }
    const kept = readText(file)?.trim();
    if (kept !== undefined && isValidAgentId(kept)) return kept;
    const host = hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'host';
    const id = `${host}-${randomBytes(4).toString('hex')}`;
    writeAtomic(file, `${id}\n`);
    return id;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** The next sequence number, persisted before it is used. */
  nextSeq(): number {
    return this.commitSeq(this.seq + 1);
  }

  /**
   * Record that `seq` is used (after its batch is on disk, so a crash in between leaves the batch to
   * recover the number from instead of a gap). Never goes backwards.
   */
  commitSeq(seq: number): number {
    if (!Number.isSafeInteger(seq) || seq <= this.seq) throw new AgentError('STATE_CORRUPT', `sequence ${seq} is not after ${this.seq}`);
    this.seq = seq;
    writeAtomic(this.seqFile, String(this.seq));
    return this.seq;
  }

  readJson<T>(name: string): T | undefined {
    const text = readText(join(this.dataDir, name));
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      return undefined;
    }
  }

  writeJson(name: string, value: unknown): void {
    writeAtomic(join(this.dataDir, name), JSON.stringify(value));
  }
}
