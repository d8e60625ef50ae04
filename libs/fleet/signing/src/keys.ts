import { generateKeyPairSync, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { SigningError } from './errors.js';

export interface SigningKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SPKI PEM of the public key, what the API serves and agents are configured with. */
  readonly publicKeyPem: string;
  /** Where the key came from: `env`, `file`, or `generated` (written to the file just now). */
  readonly source: 'env' | 'file' | 'generated';
}

export interface LoadKeyOptions {
  /** PKCS#8 PEM of the private key (e.g. from an env variable); wins over the file. */
  readonly pem?: string;
  /** Path of the PEM file; generated (mode 0600) when absent and no `pem` is given. */
  readonly file?: string;
}

function pair(privateKey: KeyObject, source: SigningKeyPair['source']): SigningKeyPair {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new SigningError('INVALID_KEY', `signing key must be ed25519, got ${privateKey.asymmetricKeyType}`);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), source };
}

function parsePrivate(pem: string, origin: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (e) {
    throw new SigningError('INVALID_KEY', `${origin} does not hold a private key PEM: ${(e as Error).message}`);
  }
}

/** Load the operator's key from a PEM string or file; create the file on first start. */
export function loadOrCreateSigningKey(options: LoadKeyOptions): SigningKeyPair {
  if (options.pem !== undefined && options.pem.trim() !== '') return pair(parsePrivate(options.pem, 'the signing key variable'), 'env');
  const file = options.file;
  if (file === undefined) throw new SigningError('INVALID_KEY', 'no signing key: give a PEM or a key file path');
  if (existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new SigningError('KEY_FILE_UNREADABLE', `cannot read signing key ${file}: ${(e as Error).message}`, { file });
    }
    return pair(parsePrivate(text, file), 'file');
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // `wx`: never overwrite a key another process created in the meantime.
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  return pair(privateKey, 'generated');
}

/** Parse a public key PEM (SPKI) as agents receive it. */
export function parsePublicKey(pem: string): KeyObject {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected ed25519, got ${key.asymmetricKeyType}`);
    return key;
  } catch (e) {
    throw new SigningError('INVALID_KEY', `invalid public key: ${(e as Error).message}`);
  }
}
