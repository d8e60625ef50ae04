// Usage: node --conditions=development --import <this file> script.ts
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
