// A job as BullMQ sees it: a fresh work dir, the run (run-job.ts), the work dir removed whatever
// happened. Errors are sorted here: input and tool errors fail at once, the infrastructure's
// retry, a drain hands the job back to the queue untouched.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Config } from '../src/config.js';
import { BioQueueError, encodeStoredError, toStoredError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import type { JobData, JobReturn } from '../src/jobs/job-model.js';
import type { ResultStore } from '../src/storage/result-store.js';
import { findTool } from '../tools/index.js';
import type { BuildLocks } from './build-lock.js';
import { runJob } from './run-job.js';

export const SHUTDOWN = 'shutdown';

export interface ProcessJobDeps {
  config: Config;
  /** This worker process's own folder for job work dirs. */
  workRoot: string;
  store: ResultStore;
  /** Shared with every worker: one build of each new reference index. */
  locks: BuildLocks;
  log: Logger;
  threads: number;
  isCancelRequested(jobId: string): Promise<boolean>;
}

export type JobProcessor = (job: Job<JobData, JobReturn>, token?: string, signal?: AbortSignal) => Promise<JobReturn>;

export function createJobProcessor(deps: ProcessJobDeps): JobProcessor {
  return async (job, token, signal) => {
    const log = deps.log.child({ jobId: job.id, tool: job.data.tool, queue: job.queueName, attempt: job.attemptsMade + 1 });
    let workDir: string | undefined;
    try {
      if (await deps.isCancelRequested(job.id!)) throw cancelled();
      const tool = findTool(job.data.tool);
      if (!tool) throw new BioQueueError('input_invalid', `this worker does not know the tool "${job.data.tool}"`);
      workDir = await fs.mkdtemp(path.join(deps.workRoot, `${job.id}-`));
      log.info({ workDir }, 'job started');
      return await runJob(job.id!, job.data, tool, workDir, {
        config: deps.config,
        store: deps.store,
        locks: deps.locks,
        log,
        threads: deps.threads,
        report: (r) => job.updateProgress(r),
        signal,
      });
    } catch (err) {
      if (signal?.aborted && signal.reason === SHUTDOWN && token) {
        // Draining: hand the job back to the queue untouched for another worker.
        log.warn('worker shutting down: job goes back to the queue');
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      const error = signal?.aborted && !(err instanceof BioQueueError && err.code === 'cancelled') ? cancelled() : err;
      const stored = toStoredError(error);
      log.warn({ code: stored.code, message: stored.message }, 'job failed');
      if (error instanceof BioQueueError && !error.retryable) throw new UnrecoverableError(encodeStoredError(stored));
      throw new Error(encodeStoredError(stored));
    } finally {
      if (workDir) await fs.rm(workDir, { recursive: true, force: true }).catch((err: unknown) => log.warn({ err, workDir }, 'could not remove the work dir'));
    }
  };
}

function cancelled(): BioQueueError {
  return new BioQueueError('cancelled', 'cancelled by request');
}

export function defaultThreads(concurrency: number, configured: number | undefined): number {
  return configured ?? Math.max(1, Math.floor(os.availableParallelism() / concurrency));
}
