/**
 * Wire-format version carried in every message as `v`. Bump it on an incompatible change; a peer
 * rejects messages whose version it does not know (typed error `UNSUPPORTED_VERSION`).
 */
export const PROTOCOL_VERSION = 1 as const;

/** Versions this build can decode. */
export const SUPPORTED_VERSIONS: readonly number[] = [PROTOCOL_VERSION];
