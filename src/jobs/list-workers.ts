// The workers of the whole lab, as GET /workers and /metrics show them: each live heartbeat
// (worker-registry.ts), with the queues on which Redis sees that worker's BullMQ connections
// right now; and the one rule about stopping a worker from afar: admins only.
import type { Redis } from 'ioredis';
import { BioQueueError } from '../errors.js';
import type { Caller } from './caller.js';
import type { JobQueues } from './job-queues.js';
import type { WorkerInfo, WorkerShutdown } from './job-model.js';
import { readLiveWorkers, requestWorkerShutdown, WORKER_ID, workerRegistryKeys } from './worker-registry.js';

export interface WorkerConnection {
  /** The BullMQ worker's name: the worker process's id. */
  name: string;
  queue: string;
}

/** BullMQ worker connections on each queue, as Redis's CLIENT LIST has them. */
export async function workerConnections(queues: JobQueues): Promise<WorkerConnection[]> {
  const found: WorkerConnection[] = [];
  for (const [queue, q] of queues) {
    for (const w of await q.getWorkers()) {
      // BullMQ names the connection "<prefix>:<queue>:w:<name>".
      found.push({ name: String(w.rawname ?? w.name ?? '').replace(/^.*:w:/, '') || String(w.id), queue });
    }
  }
  return found;
}

export async function listWorkers(redis: Redis, prefix: string, connections: readonly WorkerConnection[], now = Date.now()): Promise<WorkerInfo[]> {
  const live = await readLiveWorkers(redis, workerRegistryKeys(prefix), now);
  return live.map((beat) => ({
    ...beat,
    uptime_seconds: Math.max(0, Math.round((now - Date.parse(beat.started_at)) / 1000)),
    connected_queues: connections.filter((c) => c.name === beat.id).map((c) => c.queue),
  }));
}

export async function shutdownWorker(redis: Redis, prefix: string, id: string, caller: Caller): Promise<WorkerShutdown> {
  if (!caller.admin) throw new BioQueueError('forbidden', 'stopping a worker takes an admin key');
  const heard = WORKER_ID.test(id) ? await requestWorkerShutdown(redis, workerRegistryKeys(prefix), id) : 0;
  if (heard === 0) throw new BioQueueError('not_found', `no live worker "${id}"; GET /workers lists them by id`);
  return { worker_id: id, state: 'draining' };
}
