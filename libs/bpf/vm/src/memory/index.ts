export * from './layout.js';
export * from './fault.js';
export * from './address-space.js';
