// Fleet commands: talk to the controller's REST API (/api/v1).
import type { Command } from 'commander';
import type { CliIo } from '../../io.js';
import { registerAgents } from './agents.js';
import { registerLogin } from './login.js';
import { registerPrograms } from './programs.js';
import { registerQuery } from './query.js';
import { registerRollout } from './rollout.js';

export function registerFleet(program: Command, io: CliIo): void {
  registerLogin(program, io);
  registerPrograms(program, io);
  registerRollout(program, io);
  registerAgents(program, io);
  registerQuery(program, io);
}
