export * from './local-fleet.js';
