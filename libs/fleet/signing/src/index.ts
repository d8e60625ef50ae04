// Artifact digests and ed25519 signatures
export {};
