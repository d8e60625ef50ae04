// Artifact digests (sha256) and ed25519 signatures over (digest, program, version).
export * from './errors.js';
export * from './digest.js';
export * from './signature.js';
export * from './keys.js';
