#!/usr/bin/env node
// Entry point of the `bpfleet` CLI; the code is compiled to dist/ by `npm run build`.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv);
