// NATS subjects, bucket and stream names, and validated, versioned message schemas shared by the
// controller and the agents.
export * from './version.js';
export * from './errors.js';
export * from './names.js';
export * from './schemas.js';
export * from './codec.js';
