import type { HelperTable } from '../helpers/types.js';
import type { InterpretOptions, InterpretResult } from '../interpreter/interpreter.js';
import { Interpreter } from '../interpreter/interpreter.js';
import type { DecodedProgram } from '../interpreter/program.js';
import type { RunContext } from '../interpreter/run-context.js';
import { JitEngine, type JitEngineOptions } from '../jit/engine.js';
import type { VmMap } from '../maps/map.js';
import type { AddressSpace } from '../memory/address-space.js';

/** Run options an engine accepts: the interpreter's, plus `repeat` for engines that loop themselves. */
export interface EngineRunOptions extends InterpretOptions {
  /** Runs in a row on the same memory (BPF_PROG_TEST_RUN's repeat); the result is the last run's. */
  readonly repeat?: number;
}

/** What the runner needs from an execution engine (the interpreter and the JIT both fit). */
export interface Engine {
  run(program: DecodedProgram, ctx: RunContext, options: EngineRunOptions): InterpretResult;
  /** Prepares `program` ahead of its first run (the JIT compiles it), so timings exclude that. */
  compile?(program: DecodedProgram): unknown;
  /** Whether `run` honours `repeat` itself; otherwise the runner calls `run` once per repeat. */
  readonly repeatsInternally?: boolean;
}

/**
 * Builds an engine over a VM's memory and helpers (engines allocate their own stack region).
 * `maps` returns the VM's maps (read lazily: the engine is built before the maps exist).
 */
export type EngineFactory = (mem: AddressSpace, helpers: HelperTable, maps: () => readonly VmMap[]) => Engine;

export const interpreterEngine: EngineFactory = (mem, helpers, maps) => new Interpreter(mem, helpers, maps);

/** The JIT over a VM, with the VM's maps so map lookups can skip the generic helper path. */
export function jitEngine(options: Omit<JitEngineOptions, 'maps'> = {}): EngineFactory {
  return (mem, helpers, maps) => new JitEngine(mem, helpers, { ...options, maps });
}
