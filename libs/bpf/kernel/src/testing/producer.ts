import { Worker } from 'node:worker_threads';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ProducerResult {
  readonly sent: number;
  readonly elapsedMs: number;
}

/** Runs program `progFd` `total` times at `rate` runs/s from a worker thread. */
export function produce(progFd: number, rate: number, total: number, batch = 1000): Promise<ProducerResult> {
  const script = resolve(dirname(fileURLToPath(import.meta.url)), 'test-run-producer.mjs');
  return new Promise((res, rej) => {
    const worker = new Worker(script, { workerData: { progFd, rate, total, batch } });
    worker.once('message', (m: ProducerResult & { error?: string }) => (m.error ? rej(new Error(m.error)) : res(m)));
    worker.once('error', rej);
  });
}
