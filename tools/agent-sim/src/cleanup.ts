import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { fleetNames } from '@bpfleet/protocol';

/** Delete a fleet prefix's JetStream resources (metrics stream, desired-state KV, artifact store). */
async function main(): Promise<void> {
  const prefix = process.argv[2];
  if (!prefix) throw new Error('usage: cleanup.js <nats prefix>');
  const names = fleetNames(prefix);
  const nc = await connect({ servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222' });
  const jsm = await jetstreamManager(nc);
  for (const stream of [names.metricsStream, `KV_${names.desiredBucket}`, `OBJ_${names.artifactStore}`]) {
    await jsm.streams.delete(stream).catch(() => false);
  }
  await nc.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
