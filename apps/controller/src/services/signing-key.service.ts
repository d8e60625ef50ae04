import { Inject, Injectable, Logger } from '@nestjs/common';
import { loadOrCreateSigningKey, signArtifact, type SignedSubject, type SigningKeyPair } from '@bpfleet/signing';
import { CONTROLLER_CONFIG, type ControllerConfig } from '../config/config.js';

/** The operator's ed25519 key: loaded (or generated) once at start. */
@Injectable()
export class SigningKeyService {
  private readonly logger = new Logger(SigningKeyService.name);
  private readonly key: SigningKeyPair;

  constructor(@Inject(CONTROLLER_CONFIG) config: ControllerConfig) {
    this.key = loadOrCreateSigningKey({ pem: config.SIGNING_KEY, file: config.SIGNING_KEY_FILE });
    this.logger.log(this.key.source === 'generated' ? `generated a signing key in ${config.SIGNING_KEY_FILE}` : `signing key loaded from ${this.key.source}`);
  }

  get publicKeyPem(): string {
    return this.key.publicKeyPem;
  }

  sign(subject: SignedSubject): string {
    return signArtifact(this.key.privateKey, subject);
  }
}
