import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RefusedError } from '../errors.js';
import type { RegisterCommand } from './index.js';

/** The agent daemon's entry point (its own package; the CLI runs it as a child so apps stay separate). */
function agentBin(): string {
  let packageJson: string | undefined;
  try {
    packageJson = fileURLToPath(import.meta.resolve('@bpfleet/agent/package.json'));
  } catch {
    packageJson = undefined;
  }
  const bin = packageJson ? join(dirname(packageJson), 'bin', 'bpfleet-agent.js') : undefined;
  if (!bin || !existsSync(bin)) throw new RefusedError('the agent (@bpfleet/agent) is not installed next to the CLI');
  if (!existsSync(join(dirname(bin), '..', 'dist', 'main.js'))) throw new RefusedError('the agent is not built: run npm run build');
  return bin;
}

/** `bpfleet agent [--config FILE] [...]`: runs the per-host agent in the foreground (same flags as bpfleet-agent). */
export const registerAgent: RegisterCommand = (program) => {
  program
    .command('agent')
    .description('run the per-host agent in the foreground: register with the controller, run the programs it is told to, stream map data (bpfleet agent --help)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]', 'agent options, see bpfleet agent --help')
    .action(async (args: string[]) => {
      const bin = agentBin();
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [bin, ...args], { stdio: 'inherit' });
        const forward = (signal: NodeJS.Signals) => child.kill(signal);
        process.on('SIGINT', forward);
        process.on('SIGTERM', forward);
        child.on('error', reject);
        child.on('exit', (status, signal) => {
          process.off('SIGINT', forward);
          process.off('SIGTERM', forward);
          resolve(status ?? (signal ? 1 : 0));
        });
      });
      if (code !== 0) throw new RefusedError(`agent exited with status ${code}`, code);
    });
};
