// Wires one process: Redis (configured or private), the queues, the result store, JobService,
// optionally an in-process worker, and the retention sweep. Every entry point starts here.
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { JobService } from './jobs/job-service.js';
import { closeJobQueues, disconnectJobQueues, openJobQueues, type JobQueues } from './jobs/job-queues.js';
import { startRetentionSweep } from './jobs/retention-sweep.js';
import { startNotifyDelivery } from './jobs/notify-delivery.js';
import { openJobEvents } from './jobs/job-events.js';
import type { Redis } from 'ioredis';
import { connectRedis, resolveRedisTarget, type RedisTarget } from './redis/redis-target.js';
import { closeWithin, REDIS_CLOSE_MS } from './redis/close-within.js';
import { openResultStore } from './storage/open-result-store.js';
import type { ResultStore } from './storage/result-store.js';
import type { RunningWorker } from '../worker/start-worker.js';

export interface Runtime {
  config: Config;
  log: Logger;
  target: RedisTarget;
  /** The server's own Redis connection (commands give up rather than wait for an outage). */
  redis: Redis;
  store: ResultStore;
  /** Every job queue; the admin dashboard shows them (through src/jobs/queue-board.ts). */
  queues: JobQueues;
  jobs: JobService;
  worker: RunningWorker | undefined;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  embeddedWorker: boolean;
  /** Where clients reach `serve`; local storage then hands out signed HTTP links instead of file:// URLs. */
  publicUrl?: string | undefined;
  /** Handed the JobService as soon as it exists, before the embedded worker starts: the stdio server's first calls need no more (deferred-job-service.ts). */
  onJobs?: (jobs: JobService) => void;
}

export async function startRuntime(config: Config, log: Logger, options: RuntimeOptions): Promise<Runtime> {
  // The store first: S3 that cannot be reached (or whose bucket cannot be made) stops the start
  // with a message naming it, before anything is connected that would need closing.
  const store = await openResultStore(config, log, { publicUrl: options.publicUrl });
  const target = await resolveRedisTarget(config, log);
  const redis = connectRedis(target, 'bio-mcp-queue:server', 'server');
  const queues = openJobQueues(config, redis, log);
  const events = await openJobEvents(config, target, log);
  const jobs = new JobService(config, queues, redis, store, log, events);
  options.onJobs?.(jobs);
  // Imported only when wanted: a process without an embedded worker never loads its code and execa.
  const worker = options.embeddedWorker ? await (await import('../worker/start-worker.js')).startWorker({ config, target, store, log }) : undefined;
  const sweep = startRetentionSweep(config, queues, store, redis, log);
  // Every server delivers notifications: the body is the job's status as JobService reads it,
  // and the links are on this server's public URL.
  const notify = startNotifyDelivery({ config, target, jobs, publicUrl: options.publicUrl, log });
  let closing: Promise<void> | undefined;
  return {
    config,
    log,
    target,
    redis,
    store,
    queues,
    jobs,
    worker,
    close() {
      closing ??= (async () => {
        sweep.stop();
        await worker?.close();
        // Each close is bounded (close-within.ts): a server whose Redis is gone still stops.
        await Promise.all([
          closeWithin(REDIS_CLOSE_MS, 'the notification deliveries', { close: () => notify.close(), drop: () => notify.disconnect() }, log),
          closeWithin(REDIS_CLOSE_MS, 'the job event readers', { close: () => events.close(), drop: () => events.disconnect() }, log),
          closeWithin(REDIS_CLOSE_MS, 'the job queues', { close: () => closeJobQueues(queues), drop: () => disconnectJobQueues(queues) }, log),
          closeWithin(REDIS_CLOSE_MS, 'the flow producer', { close: () => jobs.close(), drop: () => jobs.disconnect() }, log),
        ]);
        await closeWithin(REDIS_CLOSE_MS, 'the server Redis connection', { close: () => redis.quit(), drop: () => redis.disconnect() }, log);
      })();
      return closing;
    },
  };
}
