// The agent daemon from source, for tests and benchmarks that need a real process (kill -9, CPU/RSS):
//   node --conditions=development --import ./scripts/ts-register.mjs apps/agent/src/testing/agent-process.ts [flags]
import { main } from '../main.js';

process.exitCode = await main(process.argv.slice(2));
