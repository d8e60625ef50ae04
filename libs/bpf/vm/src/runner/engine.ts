import type { HelperTable } from '../helpers/types.js';
import type { InterpretOptions, InterpretResult } from '../interpreter/interpreter.js';
import { Interpreter } from '../interpreter/interpreter.js';
import type { DecodedProgram } from '../interpreter/program.js';
import type { RunContext } from '../interpreter/run-context.js';
import type { AddressSpace } from '../memory/address-space.js';

/** What the runner needs from an execution engine (the interpreter and the JIT both fit). */
export interface Engine {
  run(program: DecodedProgram, ctx: RunContext, options: InterpretOptions): InterpretResult;
}

/** Builds an engine over a VM's memory and helpers (engines allocate their own stack region). */
export type EngineFactory = (mem: AddressSpace, helpers: HelperTable) => Engine;

export const interpreterEngine: EngineFactory = (mem, helpers) => new Interpreter(mem, helpers);
