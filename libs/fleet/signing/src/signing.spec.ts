import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { sha256Hex } from './digest.js';
import { SigningError } from './errors.js';
import { loadOrCreateSigningKey, parsePublicKey } from './keys.js';
import { signArtifact, signedMessage, verifyArtifact } from './signature.js';

describe('signing', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfleet-signing-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const artifact = new TextEncoder().encode('\x7fELF fake object bytes');
  const subject = { digest: sha256Hex(artifact), program: 'counter', version: 3 };

  describe('sha256Hex', () => {
    it('should match the known digest of "abc"', () => {
      expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });
  });

  describe('loadOrCreateSigningKey', () => {
    it('should generate a 0600 PEM on first start and load the same key after', () => {
      const file = join(dir, 'keys', 'signing.pem');
      const first = loadOrCreateSigningKey({ file });
      expect(first.source).toBe('generated');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const second = loadOrCreateSigningKey({ file });
      expect(second.source).toBe('file');
      expect(second.publicKeyPem).toBe(first.publicKeyPem);
    });

    it('should prefer a PEM from the environment', () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const kp = loadOrCreateSigningKey({ pem, file: join(dir, 'unused.pem') });
      expect(kp.source).toBe('env');
    });

    it('should refuse garbage and non-ed25519 keys with a typed error', () => {
      const file = join(dir, 'bad.pem');
      writeFileSync(file, 'not a key');
      expect(() => loadOrCreateSigningKey({ file })).toThrow(SigningError);
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      expect(() => loadOrCreateSigningKey({ pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() })).toThrow(/ed25519/);
      expect(() => parsePublicKey('nope')).toThrow(SigningError);
    });
  });

  describe('signArtifact / verifyArtifact', () => {
    it('should verify what it signed with the public key PEM', () => {
      const kp = loadOrCreateSigningKey({ file: join(dir, 'k.pem') });
      const sig = signArtifact(kp.privateKey, subject);
      expect(verifyArtifact(parsePublicKey(kp.publicKeyPem), subject, sig)).toBe(true);
      expect(verifyArtifact(kp.publicKeyPem, subject, sig)).toBe(true);
    });

    it('should reject a tampered artifact, name, version, signature or another key', () => {
      const kp = loadOrCreateSigningKey({ file: join(dir, 'k.pem') });
      const other = loadOrCreateSigningKey({ file: join(dir, 'other.pem') });
      const sig = signArtifact(kp.privateKey, subject);
      const tampered = Uint8Array.from(artifact);
      tampered[5] = tampered[5]! ^ 1;
      expect(verifyArtifact(kp.publicKey, { ...subject, digest: sha256Hex(tampered) }, sig)).toBe(false);
      expect(verifyArtifact(kp.publicKey, { ...subject, program: 'counter2' }, sig)).toBe(false);
      expect(verifyArtifact(kp.publicKey, { ...subject, version: 4 }, sig)).toBe(false);
      expect(verifyArtifact(other.publicKey, subject, sig)).toBe(false);
      const bytes = Buffer.from(sig, 'base64');
      bytes[0] = bytes[0]! ^ 0x80;
      expect(verifyArtifact(kp.publicKey, subject, bytes.toString('base64'))).toBe(false);
      expect(verifyArtifact(kp.publicKey, subject, 'not base64!')).toBe(false);
      expect(verifyArtifact(kp.publicKey, subject, '')).toBe(false);
    });

    it('should keep (name, version) splits apart', () => {
      const a = signedMessage({ digest: subject.digest, program: 'a', version: 12 });
      const b = signedMessage({ digest: subject.digest, program: 'a1', version: 2 });
      expect(a.equals(b)).toBe(false);
    });

    it('should never throw on random signatures', () => {
      const kp = loadOrCreateSigningKey({ file: join(dir, 'k.pem') });
      fc.assert(
        fc.property(fc.string({ maxLength: 120 }), (sig) => {
          expect(typeof verifyArtifact(kp.publicKey, subject, sig)).toBe('boolean');
        }),
        { numRuns: 500 },
      );
    });

    it('should refuse an invalid subject with a typed error', () => {
      const kp = loadOrCreateSigningKey({ file: join(dir, 'k.pem') });
      expect(() => signArtifact(kp.privateKey, { ...subject, digest: 'abc' })).toThrow(SigningError);
      expect(() => signArtifact(kp.privateKey, { ...subject, version: 0 })).toThrow(SigningError);
    });
  });
});
