import { Injectable } from '@nestjs/common';
import { NatsService } from '../nats/nats.service.js';

/** Signed artifacts in the NATS Object Store, named by their sha256 digest (what agents fetch). */
@Injectable()
export class ArtifactService {
  constructor(private readonly nats: NatsService) {}

  /** Store the bytes under their digest; a second put of the same digest is a no-op. */
  async put(digest: string, bytes: Uint8Array): Promise<string> {
    const existing = await this.nats.artifacts.info(digest);
    if (existing === null || existing.deleted) {
      await this.nats.artifacts.putBlob({ name: digest, description: 'bpfleet ELF object' }, bytes);
    }
    return digest;
  }

  async get(objectKey: string): Promise<Uint8Array | null> {
    return this.nats.artifacts.getBlob(objectKey);
  }
}
