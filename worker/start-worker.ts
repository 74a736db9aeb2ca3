// A worker process's BullMQ side: one BullMQ Worker per queue it serves, cancel requests from
// any process (Redis pub/sub), and a drain on shutdown that lets running jobs finish for a
// while and then hands the rest back to the queue. Beside them: a thread keeping running jobs'
// locks (lock-keeper.ts), a small process that starts the tools and kills them should this
// process die (tool-spawner.ts), and the ledger that publishes each job's result once (publish-once.ts).
// Closing is bounded whatever Redis does (src/redis/close-within.ts).
import fs from 'node:fs/promises';
import path from 'node:path';
import { Job, Queue, UnrecoverableError, WaitingChildrenError, Worker } from 'bullmq';
import { BioQueueError, encodeStoredError, toStoredError } from '../src/errors.js';
import { PIPELINE_QUEUE } from '../tools/define-pipeline.js';
import { createPipelineProcessor } from './pipeline-processor.js';
import { createSplitSearchProcessor, stopSiblingParts } from './split-search.js';
import { jobDefaults, jobRetention } from '../src/jobs/job-queues.js';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import type { JobData, JobReturn } from '../src/jobs/job-model.js';
import { jobKeys } from '../src/jobs/job-keys.js';
import { settleEndedJob } from '../src/jobs/ended-job-storage.js';
import { announceJobEnd, openNotifyQueue } from '../src/jobs/notify-queue.js';
import { ownerUsage } from '../src/jobs/owner-usage.js';
import { ownerSlots } from '../src/jobs/owner-slots.js';
import { queueOfJobId } from '../src/jobs/job-ids.js';
import { connectRedis, type RedisTarget } from '../src/redis/redis-target.js';
import { closeWithin, REDIS_CLOSE_MS } from '../src/redis/close-within.js';
import type { ResultStore } from '../src/storage/result-store.js';
import { QUEUE_NAMES } from '../tools/index.js';
import { redisBuildLocks } from './build-lock.js';
import { startLockKeeper } from './lock-keeper.js';
import { createOwnerCap } from './owner-cap.js';
import { queueLimiters } from './queue-rate-limits.js';
import { createJobProcessor, defaultThreads, LOCK_LOST, SHUTDOWN } from './process-job.js';
import { redisResultLedger } from './publish-once.js';
import { appendStderrLines } from '../src/jobs/job-stderr-log.js';
import { startToolSpawner } from './tool-spawner.js';
import { delegatedMemoryCgroup } from './memory-cgroup.js';
import { createWorkerWorkRoot } from './worker-work-root.js';
import { recordJobMetrics } from './job-metrics.js';
import { listenForShutdown } from './shutdown-listener.js';
import { startWorkerHeartbeat } from './worker-heartbeat.js';

export interface WorkerOptions {
  config: Config;
  target: RedisTarget;
  store: ResultStore;
  log: Logger;
  queues?: readonly string[];
  concurrency?: number;
  /** A shutdown asked for through the API (POST /workers/{id}/shutdown); default: close(). */
  onShutdownRequest?: () => void;
}

export interface RunningWorker {
  /** "<host>.<pid>.<random>", its work folder's name: GET /workers lists it by this id. */
  readonly id: string;
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
  const limiters = queueLimiters(config.rateLimits);
  const keys = jobKeys(config.prefix);
  const commands = connectRedis(target, 'bio-mcp-queue:worker');
  const subscriber = connectRedis(target, 'bio-mcp-queue:worker-cancel');
  const workRoot = await createWorkerWorkRoot(config.workRoot, log);
  const id = path.basename(workRoot);
  const threads = defaultThreads(concurrency, config.toolThreads);
  const heartbeat = await startWorkerHeartbeat({ redis: commands, prefix: config.prefix, id, queues, concurrency, threads, log });
  const ended = { store, usage: ownerUsage(commands, config.prefix, config.retentionMs, config.ownerQuotaBytes), log };
  // Before the spawner starts: cgroup v2 hands the memory controller down only from a cgroup no
  // process sits in, so the worker moves into a leaf of its own first (memory-cgroup.ts), and the
  // spawner, started after, is in that leaf with it rather than left behind in the way.
  await delegatedMemoryCgroup(log);
  const spawner = startToolSpawner(log);
  // A job's main loop may be blocked at most for as long as the job may run at all.
  const lockKeeper = startLockKeeper({ target, prefix: config.prefix, lockDurationMs: config.stalledMs, maxBlockedMs: config.hardTimeLimitMs, log });
  const ledger = redisResultLedger(commands, config.prefix, config.retentionMs);
  const processor = createJobProcessor({
    config,
    workRoot,
    store,
    locks: redisBuildLocks(commands, config.prefix, log),
    log,
    threads,
    // A pipeline's step or a split search's part is cancelled with its parent too.
    isCancelRequested: async (jobId, parentId) => (await commands.exists(keys.cancelFlag(jobId), ...(parentId ? [keys.cancelFlag(parentId)] : []))) > 0,
    ledger,
    lockKeeper,
    launcher: spawner,
    stderrLog: (jobId, lines) => appendStderrLines(commands, keys, jobId, lines),
    ownerCap:
      config.maxRunningPerOwner === undefined
        ? undefined
        : createOwnerCap({
            slots: ownerSlots(commands, config.prefix),
            cap: config.maxRunningPerOwner,
            // Past a dead worker's lock (stalledMs), with room to spare; see owner-cap.ts.
            holdMs: Math.max(2 * config.stalledMs, 2000),
            promote: (jobId) => promoteDelayed(jobId),
            log,
          }),
  });

  // Queues this worker adds jobs to or reads jobs from (split searches' parts), opened when first needed.
  const partQueues = new Map<string, Queue<JobData, JobReturn>>();
  const queueOf = (name: string) => {
    let q = partQueues.get(name);
    if (!q) {
      q = new Queue<JobData, JobReturn>(name, { connection: commands, prefix: config.prefix });
      q.on('error', (err) => log.warn({ err, queue: name }, 'queue connection error'));
      partQueues.set(name, q);
    }
    return q;
  };
  // A held job back to the queue (owner-cap.ts); one no longer delayed (back already, or running) is left as it is.
  async function promoteDelayed(jobId: string): Promise<'promoted' | 'gone'> {
    const queue = queueOfJobId(jobId);
    const job = queue ? await Job.fromId<JobData, JobReturn>(queueOf(queue), jobId) : undefined;
    if (!job) return 'gone';
    await job.promote().catch((err: unknown) => log.debug({ err, jobId }, 'held job not promoted: it is no longer delayed'));
    return 'promoted';
  }
  // A failed part of a split search stops its siblings: the parent and every part flagged, then told.
  const siblings = {
    readParent: async (jobId: string) => (await Job.fromId<JobData, JobReturn>(queueOf(PIPELINE_QUEUE), jobId))?.data,
    async cancel(jobIds: readonly string[]) {
      const flag = commands.multi();
      for (const id of jobIds) flag.set(keys.cancelFlag(id), '1', 'PX', config.retentionMs);
      await flag.exec();
      for (const id of jobIds) await commands.publish(keys.cancelChannel, id);
    },
  };

  // A job's end is announced (notify_url) here, on BullMQ's completed and failed-for-good events:
  // each fires once, in the one process whose BullMQ call recorded the end. Every end of a job a
  // worker took passes through them: a cancel while running ends as a failure, and BullMQ 6 fails
  // a parent whose child failed (failParentOnFailure) and a job stalled too often by handing it
  // back to its queue with a deferred failure that the next worker to take it records — so a
  // pipeline's or split search's own job is announced by the pipeline worker, never by a step or
  // part (which carry no notify_url). The one end no worker sees, a job removed by a cancel before
  // it ran, is announced by JobService.cancel. The notify job's id is derived from the job's, so
  // even an end seen twice would be announced once.
  const notifyQueue = openNotifyQueue(config, commands, log);
  const announceEnd = (job: Job<JobData, JobReturn>) => {
    if (!job.data.parent) void announceJobEnd({ queue: notifyQueue, config, log }, job.id!, job.data);
  };

  const workers = queues.map((queue) => {
    const worker = new Worker<JobData, JobReturn>(queue, heartbeat.track(processor), {
      connection: commands,
      prefix: config.prefix,
      // How long its ended jobs are kept (not in each job's opts: job-queues.ts).
      ...jobRetention(config),
      // Shown by GET /workers and in Redis's CLIENT LIST: which machine and process serves the queue.
      name: id,
      concurrency,
      // BIO_QUEUE_RATE_LIMITS: at most max jobs of this queue started per duration, across its workers.
      ...(limiters.has(queue) ? { limiter: limiters.get(queue)! } : {}),
      // A job is stalled (its worker died) when its lock is not renewed for this long; it then
      // goes back to the queue, counted against the job's attempts.
      lockDuration: config.stalledMs,
      stalledInterval: config.stalledMs,
      maxStalledCount: config.maxAttempts,
    });
    worker.on('error', (err) => log.error({ err, queue }, 'worker error'));
    recordJobMetrics(worker, commands, config.prefix, log);
    // Once BullMQ has recorded a job's end (a retry still to come is no end): its staged inputs go, its results count.
    worker.on('completed', (job, returned) => {
      void settleEndedJob(ended, job.id!, job.data, returned);
      announceEnd(job);
    });
    worker.on('failed', (job) => {
      if (job?.finishedOn === undefined) return;
      void settleEndedJob(ended, job.id!, job.data);
      announceEnd(job);
      if (job.data.parent) void stopSiblingParts(job, siblings).catch((err: unknown) => log.warn({ err, jobId: job.id }, 'could not stop the other parts of a failed split search'));
    });
    // Another worker took the job over (this process froze past the lock): stop this attempt's
    // tool now rather than run it twice to the end; publish-once.ts keeps the first result anyway.
    worker.on('lockRenewalFailed', (jobIds) => {
      for (const jobId of jobIds) if (worker.cancelJob(jobId, LOCK_LOST)) log.warn({ jobId, queue }, 'lost a job\'s lock to another worker: stopping this attempt');
    });
    return worker;
  });

  // Every worker also serves the pipeline queue: its jobs run no tool (pipeline-processor.ts), so
  // any live worker finishes a pipeline whose steps have completed, whatever families it serves.
  // Split-query searches' own jobs live there too (split-search.ts): they add their parts to the tools' queues.
  const assemble = createPipelineProcessor({ ledger, log });
  const splitSearch = createSplitSearchProcessor({
    config,
    store,
    ledger,
    log,
    workRoot,
    isCancelRequested: async (jobId) => (await commands.exists(keys.cancelFlag(jobId))) === 1,
    partOptions: jobDefaults(config),
    async addPart(queue, name, data, options) {
      await queueOf(queue).add(name, data, options);
    },
  });
  const pipelineWorker = new Worker<JobData, JobReturn>(PIPELINE_QUEUE, heartbeat.track(async (job: Job<JobData, JobReturn>, token?: string, signal?: AbortSignal) => {
    try {
      return await (job.data.split ? splitSearch(job, token, signal) : assemble(job));
    } catch (err) {
      // Not a failure: the split search waits for its parts (moveToWaitingChildren).
      if (err instanceof WaitingChildrenError) throw err;
      if (signal?.aborted && !(err instanceof BioQueueError && err.code === 'cancelled')) err = new BioQueueError('cancelled', 'cancelled by request');
      const stored = toStoredError(err);
      log.warn({ jobId: job.id, code: stored.code, message: stored.message }, 'pipeline failed');
      if (err instanceof BioQueueError && !err.retryable) throw new UnrecoverableError(encodeStoredError(stored));
      throw new Error(encodeStoredError(stored));
    }
  }), { connection: commands, prefix: config.prefix, ...jobRetention(config), name: id, concurrency: 4, lockDuration: config.stalledMs, stalledInterval: config.stalledMs });
  pipelineWorker.on('error', (err) => log.error({ err, queue: PIPELINE_QUEUE }, 'worker error'));
  recordJobMetrics(pipelineWorker, commands, config.prefix, log);
  // The files are its steps', counted when each step ended: only what the pipeline itself holds is settled.
  pipelineWorker.on('completed', (job) => {
    void settleEndedJob(ended, job.id!, job.data);
    announceEnd(job);
  });
  pipelineWorker.on('failed', (job) => {
    if (job?.finishedOn === undefined) return;
    void settleEndedJob(ended, job.id!, job.data);
    announceEnd(job);
  });
  workers.push(pipelineWorker);

  await subscriber.subscribe(keys.cancelChannel);
  subscriber.on('message', (channel: string, jobId: string) => {
    if (channel !== keys.cancelChannel) return;
    for (const worker of workers) {
      if (worker.cancelJob(jobId, 'cancelled')) log.info({ jobId }, 'cancel request: stopping the job');
    }
  });

  let closing: Promise<void> | undefined;
  const running: RunningWorker = {
    id,
    queues,
    close() {
      closing ??= (async () => {
        log.info({ drainTimeoutMs: config.drainTimeoutMs }, 'worker draining: no new jobs');
        heartbeat.draining();
        const timer = setTimeout(() => {
          log.warn('drain time is up: running jobs go back to the queue');
          for (const worker of workers) worker.cancelAllJobs(SHUTDOWN);
        }, config.drainTimeoutMs);
        try {
          // Running jobs get the drain time, then SHUTDOWN; what they still need of Redis to go
          // back to the queue gets REDIS_CLOSE_MS more, and a Redis that is gone is let go.
          const queuesClosed = { close: () => Promise.all(workers.map((w) => w.close())), drop: () => Promise.all(workers.map((w) => w.disconnect())) };
          await closeWithin(config.drainTimeoutMs + REDIS_CLOSE_MS, 'the queue workers', queuesClosed, log);
        } finally {
          clearTimeout(timer);
          // Shutting down either way: what fails here is said, and the next worker reaps the folder.
          const said = (what: string) => (err: unknown) => log.debug({ err }, `worker shutdown: could not ${what}`);
          // Leaves the list before the connections go; with Redis gone, its record expires by itself.
          await closeWithin(REDIS_CLOSE_MS, 'the worker heartbeat', { close: () => heartbeat.close(), drop: () => undefined }, log);
          await Promise.all([
            lockKeeper.close().catch(said('stop the lock-keeping thread')),
            ...[...partQueues.values()].map((q) => closeWithin(REDIS_CLOSE_MS, 'a part queue', { close: () => q.close(), drop: () => q.disconnect() }, log)),
            closeWithin(REDIS_CLOSE_MS, 'the notify queue', { close: () => notifyQueue.close(), drop: () => notifyQueue.disconnect() }, log),
            closeWithin(REDIS_CLOSE_MS, 'the cancel subscription', { close: () => subscriber.quit(), drop: () => subscriber.disconnect() }, log),
            closeWithin(REDIS_CLOSE_MS, 'the worker Redis connection', { close: () => commands.quit(), drop: () => commands.disconnect() }, log),
          ]);
          // Every tool has been stopped by now (its run ended with its job): the spawner can go.
          await spawner.close();
          await fs.rm(workRoot, { recursive: true, force: true }).catch(said(`remove ${workRoot}`));
        }
      })();
      return closing;
    },
  };
  await listenForShutdown(subscriber, config.prefix, id, options.onShutdownRequest ?? (() => void running.close().catch((err: unknown) => log.error({ err }, 'worker shutdown did not finish cleanly'))), log);
  log.info({ workerId: id, queues, concurrency, threads }, 'worker ready');
  return running;
}
