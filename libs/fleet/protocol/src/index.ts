// NATS subjects and validated message schemas
export {};
