// A worker process's BullMQ side: one BullMQ Worker per queue it serves, cancel requests from
// any process (Redis pub/sub), and a drain on shutdown that lets running jobs finish for a
// while and then hands the rest back to the queue.
import fs from 'node:fs/promises';
import os from 'node:os';
import { Worker } from 'bullmq';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import type { JobData, JobReturn } from '../src/jobs/job-model.js';
import { jobKeys } from '../src/jobs/job-keys.js';
import { settleEndedJob } from '../src/jobs/ended-job-storage.js';
import { ownerUsage } from '../src/jobs/owner-usage.js';
import { connectRedis, type RedisTarget } from '../src/redis/redis-target.js';
import type { ResultStore } from '../src/storage/result-store.js';
import { QUEUE_NAMES } from '../tools/index.js';
import { redisBuildLocks } from './build-lock.js';
import { createJobProcessor, defaultThreads, SHUTDOWN } from './process-job.js';
import { createWorkerWorkRoot } from './worker-work-root.js';

export interface WorkerOptions {
  config: Config;
  target: RedisTarget;
  store: ResultStore;
  log: Logger;
  queues?: readonly string[];
  concurrency?: number;
}

export interface RunningWorker {
  readonly queues: readonly string[];
  /** Stops taking jobs; running ones get drainTimeoutMs to finish, then go back to the queue. */
  close(): Promise<void>;
}

export function parseQueueNames(names: readonly string[] | undefined): string[] {
  if (!names || names.length === 0) return [...QUEUE_NAMES];
  const unknown = names.filter((n) => !QUEUE_NAMES.includes(n));
  if (unknown.length > 0) {
    throw new Error(`unknown queue ${unknown.map((n) => `"${n}"`).join(', ')}; the queues are: ${QUEUE_NAMES.join(', ')}`);
  }
  return [...names];
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { config, target, store, log } = options;
  const queues = parseQueueNames(options.queues ?? config.queues);
  const concurrency = options.concurrency ?? config.workerConcurrency;
  const keys = jobKeys(config.prefix);
  const commands = connectRedis(target, 'bio-mcp-queue:worker');
  const subscriber = connectRedis(target, 'bio-mcp-queue:worker-cancel');
  const workRoot = await createWorkerWorkRoot(config.workRoot, log);
  const ended = { store, usage: ownerUsage(commands, config.prefix, config.retentionMs, config.ownerQuotaBytes), log };
  const processor = createJobProcessor({
    config,
    workRoot,
    store,
    locks: redisBuildLocks(commands, config.prefix, log),
    log,
    threads: defaultThreads(concurrency, config.toolThreads),
    isCancelRequested: async (jobId) => (await commands.exists(keys.cancelFlag(jobId))) === 1,
  });

  const workers = queues.map((queue) => {
    const worker = new Worker<JobData, JobReturn>(queue, processor, {
      connection: commands,
      prefix: config.prefix,
      // Shown by GET /workers: which machine and process serves the queue.
      name: `${os.hostname()}.${process.pid}`,
      concurrency,
      // A job is stalled (its worker died) when its lock is not renewed for this long; it then
      // goes back to the queue, counted against the job's attempts.
      lockDuration: config.stalledMs,
      stalledInterval: config.stalledMs,
      maxStalledCount: config.maxAttempts,
    });
    worker.on('error', (err) => log.error({ err, queue }, 'worker error'));
    // Once BullMQ has recorded a job's end (a retry still to come is no end): its staged inputs go, its results count.
    worker.on('completed', (job, returned) => void settleEndedJob(ended, job.id!, job.data, returned));
    worker.on('failed', (job) => {
      if (job?.finishedOn !== undefined) void settleEndedJob(ended, job.id!, job.data);
    });
    return worker;
  });

  await subscriber.subscribe(keys.cancelChannel);
  subscriber.on('message', (_channel, jobId: string) => {
    for (const worker of workers) {
      if (worker.cancelJob(jobId, 'cancelled')) log.info({ jobId }, 'cancel request: stopping the job');
    }
  });
  log.info({ queues, concurrency, threads: defaultThreads(concurrency, config.toolThreads) }, 'worker ready');

  let closing: Promise<void> | undefined;
  return {
    queues,
    close() {
      closing ??= (async () => {
        log.info({ drainTimeoutMs: config.drainTimeoutMs }, 'worker draining: no new jobs');
        const timer = setTimeout(() => {
          log.warn('drain time is up: running jobs go back to the queue');
          for (const worker of workers) worker.cancelAllJobs(SHUTDOWN);
        }, config.drainTimeoutMs);
        try {
          await Promise.all(workers.map((w) => w.close()));
        } finally {
          clearTimeout(timer);
          // Shutting down either way: what fails here is said, and the next worker reaps the folder.
          const said = (what: string) => (err: unknown) => log.debug({ err }, `worker shutdown: could not ${what}`);
          await subscriber.quit().catch(said('close the cancel subscription'));
          await commands.quit().catch(said('close the Redis connection'));
          await fs.rm(workRoot, { recursive: true, force: true }).catch(said(`remove ${workRoot}`));
        }
      })();
      return closing;
    },
  };
}
