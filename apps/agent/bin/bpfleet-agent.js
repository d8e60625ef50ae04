#!/usr/bin/env node
// Entry point of the per-host agent daemon; the code is compiled to dist/ by `npm run build`.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
