import { readFile } from 'node:fs/promises';
import { RefusedError } from './errors.js';

/** Output sink, so commands can be run in-process by tests and capture what they print. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Reads a whole input file, turning fs errors into a refusal that names the file. */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new RefusedError(`cannot read ${path}: ${code}`);
  }
}
