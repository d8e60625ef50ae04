#!/usr/bin/env -S node --max-semi-space-size=32
// Entry point of the `bpfleet` CLI; the code is compiled to dist/ by `npm run build`. The flag gives V8 a
// larger young generation: `bpfleet verify` allocates many short-lived verifier states.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv);
