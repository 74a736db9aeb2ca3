// Which worker processes are alive, wherever they run, and how to ask one to stop. Each worker
// writes a heartbeat (what it is, what it serves, what it runs) to a key of its own with a short
// TTL, and keeps its id in a sorted set scored by when that heartbeat expires, so a reader finds
// the live ones without scanning the keyspace; a worker that dies simply stops being listed. A
// shutdown request is a message on the worker's own channel: PUBLISH says how many heard it.
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** How often a worker writes its heartbeat, and how long one is believed. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEARTBEAT_TTL_MS = 15_000;

/** A worker's id: "<host>.<pid>.<6 hex>", its work folder's name (URL-safe, unique per process). */
export const WORKER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$/;

export const RunningJobSchema = z.object({
  job_id: z.string(),
  queue: z.string(),
  tool: z.string(),
  started_at: z.string().describe('When this attempt started (ISO 8601).'),
});

export const HeartbeatSchema = z.object({
  id: z.string().describe('"<host>.<pid>.<random>"; POST /workers/{id}/shutdown takes it.'),
  host: z.string(),
  pid: z.number(),
  version: z.string().describe('bio-mcp-queue version the worker runs.'),
  queues: z.array(z.string()).describe('Tool queues it takes jobs from (it also serves the pipeline queue).'),
  concurrency: z.number().describe('Jobs of each queue it runs at the same time.'),
  threads: z.number().describe('Threads each tool run may use.'),
  state: z.enum(['serving', 'draining']).describe('draining: it takes no new jobs and exits once its running ones end (or go back to the queue).'),
  started_at: z.string(),
  heartbeat_at: z.string().describe('When it last wrote this record.'),
  running_jobs: z.array(RunningJobSchema),
});
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

export interface WorkerRegistryKeys {
  /** Sorted set of worker ids, scored by when their heartbeat expires (ms). */
  live: string;
  heartbeat(id: string): string;
  /** The channel one worker listens on for a shutdown request. */
  shutdownChannel(id: string): string;
}

export function workerRegistryKeys(prefix: string): WorkerRegistryKeys {
  return {
    live: `${prefix}:bioq:workers`,
    heartbeat: (id) => `${prefix}:bioq:worker:${id}`,
    shutdownChannel: (id) => `${prefix}:bioq:worker-shutdown:${id}`,
  };
}

/** Writes one heartbeat: the record with its TTL, and the id's place in the live set. */
export async function writeHeartbeat(redis: Redis, keys: WorkerRegistryKeys, beat: Heartbeat, now = Date.now()): Promise<void> {
  await redis
    .multi()
    .set(keys.heartbeat(beat.id), JSON.stringify(beat), 'PX', HEARTBEAT_TTL_MS)
    .zadd(keys.live, String(now + HEARTBEAT_TTL_MS), beat.id)
    .exec();
}

/** A worker that stops cleanly leaves the list at once rather than when its heartbeat expires. */
export async function removeHeartbeat(redis: Redis, keys: WorkerRegistryKeys, id: string): Promise<void> {
  await redis.multi().del(keys.heartbeat(id)).zrem(keys.live, id).exec();
}

/** Every worker whose heartbeat has not expired, by id; the expired ones are dropped from the set. */
export async function readLiveWorkers(redis: Redis, keys: WorkerRegistryKeys, now = Date.now()): Promise<Heartbeat[]> {
  await redis.zremrangebyscore(keys.live, '-inf', `(${now}`);
  const ids = await redis.zrange(keys.live, '0', '-1');
  if (ids.length === 0) return [];
  const records = await redis.mget(ids.map((id) => keys.heartbeat(id)));
  const live: Heartbeat[] = [];
  for (const record of records) {
    // Gone between the two reads (it expired or its worker stopped): not live any more.
    if (record === null) continue;
    // A record this version cannot read (another version's, or damaged) is left out, not an error for the whole list.
    const parsed = HeartbeatSchema.safeParse(parseJson(record));
    if (parsed.success) live.push(parsed.data);
  }
  return live.sort((a, b) => a.id.localeCompare(b.id));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Asks one worker to drain and exit; the number of processes that heard it (0: no such live worker). */
export async function requestWorkerShutdown(redis: Redis, keys: WorkerRegistryKeys, id: string): Promise<number> {
  return redis.publish(keys.shutdownChannel(id), 'shutdown');
}
