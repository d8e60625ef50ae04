import { createHash } from 'node:crypto';

/** sha256 of an artifact as 64 lowercase hex digits: the artifact's identity everywhere. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isSha256Hex(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
