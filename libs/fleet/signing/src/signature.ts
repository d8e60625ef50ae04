import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { isSha256Hex } from './digest.js';
import { SigningError } from './errors.js';

/** What a signature covers: the artifact's digest, the program's name and its version number. */
export interface SignedSubject {
  readonly digest: string;
  readonly program: string;
  readonly version: number;
}

const DOMAIN = 'bpfleet-artifact-v1';

/**
 * The exact bytes signed. Length-prefixed fields under a domain tag, so no two different subjects
 * (e.g. name "a" + version 12 vs name "a1" + version 2) can produce the same message.
 */
export function signedMessage(subject: SignedSubject): Buffer {
  if (!isSha256Hex(subject.digest)) throw new SigningError('INVALID_DIGEST', `digest must be 64 lowercase hex digits, got ${JSON.stringify(subject.digest)}`);
  if (subject.program.length === 0 || subject.program.length > 128) throw new SigningError('INVALID_SUBJECT', 'program name must be 1-128 characters');
  if (!Number.isSafeInteger(subject.version) || subject.version < 1) throw new SigningError('INVALID_SUBJECT', `version must be a positive integer, got ${subject.version}`);
  const fields = [DOMAIN, subject.digest, subject.program, String(subject.version)].map((f) => Buffer.from(f, 'utf8'));
  const parts: Buffer[] = [];
  for (const field of fields) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(field.length);
    parts.push(len, field);
  }
  return Buffer.concat(parts);
}

function asPrivateKey(key: KeyObject | string): KeyObject {
  try {
    const k = typeof key === 'string' ? createPrivateKey(key) : key;
    if (k.type !== 'private' || k.asymmetricKeyType !== 'ed25519') throw new Error(`expected an ed25519 private key, got ${k.type} ${k.asymmetricKeyType}`);
    return k;
  } catch (e) {
    throw new SigningError('INVALID_KEY', `invalid signing key: ${(e as Error).message}`);
  }
}

function asPublicKey(key: KeyObject | string): KeyObject {
  try {
    const k = typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key;
    if (k.asymmetricKeyType !== 'ed25519') throw new Error(`expected an ed25519 public key, got ${k.asymmetricKeyType}`);
    return k;
  } catch (e) {
    throw new SigningError('INVALID_KEY', `invalid public key: ${(e as Error).message}`);
  }
}

/** ed25519 signature over (digest, program, version), base64. */
export function signArtifact(privateKey: KeyObject | string, subject: SignedSubject): string {
  return sign(null, signedMessage(subject), asPrivateKey(privateKey)).toString('base64');
}

/**
 * True only when `signature` is a valid ed25519 signature by `publicKey` over exactly this subject.
 * A malformed signature is simply not valid (false); a malformed key or subject throws SigningError.
 */
export function verifyArtifact(publicKey: KeyObject | string, subject: SignedSubject, signature: string): boolean {
  const message = signedMessage(subject);
  const key = asPublicKey(publicKey);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) return false;
  return verify(null, message, key, sig);
}
