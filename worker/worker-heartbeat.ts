// This worker process's heartbeat in Redis (src/jobs/worker-registry.ts): what it is, which
// queues it serves and which jobs it is running right now, rewritten every few seconds so GET
// /workers and /metrics on any server see it, and gone within the TTL should the process die.
// Running jobs are known by wrapping the processors: an attempt is listed from its start to its
// end, however it ends. A job shows once it has run SHOW_AFTER_MS, and only then, in every record
// after: a job shorter than that is never written at all, which spares a tiny job a Redis write
// (issue 11); once a job has been written as running, its end is written at once. (A record
// written for one job's end once listed every job running at that moment, a tiny one too, whose
// end then wrote another: jobs back to back wrote one record each.)
import os from 'node:os';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/logger.js';
import { packageVersion } from '../src/package-info.js';
import { HEARTBEAT_INTERVAL_MS, removeHeartbeat, writeHeartbeat, workerRegistryKeys, type Heartbeat } from '../src/jobs/worker-registry.js';

export interface HeartbeatOptions {
  redis: Redis;
  prefix: string;
  id: string;
  queues: readonly string[];
  concurrency: number;
  threads: number;
  log: Logger;
}

type Running = Heartbeat['running_jobs'][number];

/** How long a job runs before the heartbeat is rewritten to list it. */
export const SHOW_AFTER_MS = 250;

export interface WorkerHeartbeat {
  /** The processor, with each attempt listed as running while it runs. */
  track<J extends Job<{ tool: string }>, R>(processor: (job: J, token?: string, signal?: AbortSignal) => Promise<R>): (job: J, token?: string, signal?: AbortSignal) => Promise<R>;
  /** Says at once that the worker takes no new jobs; it stays listed while its running ones finish. */
  draining(): void;
  /** Stops beating and leaves the list. */
  close(): Promise<void>;
}

export async function startWorkerHeartbeat(options: HeartbeatOptions): Promise<WorkerHeartbeat> {
  const { redis, id, log } = options;
  const keys = workerRegistryKeys(options.prefix);
  // The running jobs old enough to be listed (SHOW_AFTER_MS); younger ones are known to their timer alone.
  const shown = new Map<string, Running>();
  const startedAt = new Date().toISOString();
  let state: Heartbeat['state'] = 'serving';
  // The jobs the last record written (or being written) lists: their ends must be written too.
  let listed = new Set<string>();
  const write = () => {
    listed = new Set(shown.keys());
    return writeHeartbeat(redis, keys, {
      id,
      host: os.hostname(),
      pid: process.pid,
      version: packageVersion(),
      queues: [...options.queues],
      concurrency: options.concurrency,
      threads: options.threads,
      state,
      started_at: startedAt,
      heartbeat_at: new Date().toISOString(),
      running_jobs: [...shown.values()],
    });
  };
  // The first one is awaited (a worker that says "ready" is listed) and fails the start.
  await write();
  // One write at a time, so close() can wait for the last before removing the record.
  let closed = false;
  let last = Promise.resolve();
  // A write waiting behind another reads the state when its turn comes: a second one would say the same.
  let queued = false;
  const beat = () => {
    if (closed || queued) return;
    queued = true;
    // A Redis blip costs one beat; the TTL is three intervals long.
    last = last
      .then(() => {
        queued = false;
        return write();
      })
      .catch((err: unknown) => log.debug({ err, workerId: id }, 'could not write the worker heartbeat'));
  };
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  timer.unref();

  return {
    track(processor) {
      return async (job, token, signal) => {
        const key = `${job.queueName}/${job.id}`;
        const entry: Running = { job_id: job.id!, queue: job.queueName, tool: job.data.tool, started_at: new Date().toISOString() };
        const show = setTimeout(() => {
          shown.set(key, entry);
          beat();
        }, SHOW_AFTER_MS);
        show.unref();
        try {
          return await processor(job, token, signal);
        } finally {
          clearTimeout(show);
          shown.delete(key);
          // Written as running (in any record since it showed): its end shows at once.
          if (listed.has(key)) beat();
        }
      };
    },
    draining() {
      state = 'draining';
      beat();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await last;
      await removeHeartbeat(redis, keys, id).catch((err: unknown) => log.debug({ err, workerId: id }, 'could not remove the worker heartbeat; it expires by itself'));
    },
  };
}
