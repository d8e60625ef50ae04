// Usage: node --conditions=development --import ./bench/vm/jit-register.mjs bench/vm/jit-bench.ts
import { register } from 'node:module';

register('./jit-ts-hooks.mjs', import.meta.url);
