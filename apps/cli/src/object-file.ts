import { ElfError, loadBpfObject, objectNameFromPath, type BpfObject } from '@bpfleet/elf';
import { RefusedError, UsageError } from './errors.js';

/** Parses an object file the user named; a file that is not a BPF object is refused with the reason. */
export function parseObjectFile(file: string, bytes: Uint8Array): BpfObject {
  try {
    return loadBpfObject(bytes, { name: objectNameFromPath(file) });
  } catch (e) {
    if (e instanceof ElfError) throw new RefusedError(`${file}: ${e.message}`);
    throw e;
  }
}

/** A usage error naming the object's programs when `program` is not one of them. */
export function requireProgram(object: BpfObject, file: string, program: string): void {
  if (!object.programs.some((p) => p.name === program)) {
    throw new UsageError(`${file} has no program ${program} (programs: ${object.programs.map((p) => p.name).join(', ') || 'none'})`);
  }
}
