import { Injectable } from '@nestjs/common';
import { inspectObject, type InspectedProgram } from '../elf/object-inspector.js';

/** Upload validation: throws InvalidObjectError (code + reason) for anything that is not a usable eBPF object. */
@Injectable()
export class ObjectValidator {
  programsOf(bytes: Uint8Array): readonly InspectedProgram[] {
    return inspectObject(bytes).programs;
  }
}
