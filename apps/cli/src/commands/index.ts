import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerAsm } from './asm.js';
import { registerDisasm } from './disasm.js';
import { registerInspect } from './inspect.js';
import { registerVerify } from './verify.js';
import { registerRun } from './run.js';
import { registerConformance } from './conformance.js';
import { registerProbe } from './probe.js';
import { registerTrace } from './trace.js';
import { registerRecord } from './record.js';
import { registerAgent } from './agent.js';
import { registerFleet } from './fleet/index.js';

/** A command module adds its subcommand(s) to the program. One file per command under commands/. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

/** Every command, in the order `bpfleet --help` lists them. Add new commands here. */
export const commands: RegisterCommand[] = [registerAsm, registerDisasm, registerInspect, registerVerify, registerRun, registerConformance, registerProbe, registerTrace, registerRecord, registerAgent, registerFleet];
