// POST /workers/{id}/shutdown reaches this worker wherever it runs: the server publishes on the
// worker's own channel (src/jobs/worker-registry.ts) and the worker starts the same drain as
// SIGTERM. The `worker` command then exits 0; a worker embedded in `serve` or stdio just stops
// taking jobs, and its server keeps running.
import type { Redis } from 'ioredis';
import type { Logger } from '../src/logger.js';
import { workerRegistryKeys } from '../src/jobs/worker-registry.js';

/** subscriber: a connection in subscriber mode (it may listen to other channels too). */
export async function listenForShutdown(subscriber: Redis, prefix: string, id: string, onRequest: () => void, log: Logger): Promise<void> {
  const channel = workerRegistryKeys(prefix).shutdownChannel(id);
  subscriber.on('message', (from: string) => {
    if (from !== channel) return;
    log.info({ workerId: id }, 'shutdown requested through the API: draining');
    onRequest();
  });
  await subscriber.subscribe(channel);
}
