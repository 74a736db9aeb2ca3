// A job as BullMQ sees it: a fresh work dir, the run (run-job.ts), its result published once
// (publish-once.ts), the work dir removed whatever happened. Errors are sorted here: input and
// tool errors fail at once, the infrastructure's retry, a drain hands the job back to the queue
// untouched. While the job runs, a thread keeps its lock (lock-keeper.ts).
import fs from 'node:fs';
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
import type { LockKeeper } from './lock-keeper.js';
import type { OwnerCap } from './owner-cap.js';
import { attemptTag as attemptTagOf, discardAbandonedFiles, discardLosingFiles, type ResultLedger } from './publish-once.js';
import { progressWrites } from './progress-writes.js';
import { removeTree } from './remove-tree.js';
import { runJob, type RunJobDeps } from './run-job.js';
import { resolveStepInputs } from './step-inputs.js';
import { stageClock } from './stage-clock.js';

export const SHUTDOWN = 'shutdown';
/** The abort reason of a job whose lock another worker now holds: this attempt stops, that one goes on. */
export const LOCK_LOST = 'lock-lost';

export interface ProcessJobDeps {
  config: Config;
  /** This worker process's own folder for job work dirs. */
  workRoot: string;
  store: ResultStore;
  /** Shared with every worker: one build of each new reference index. */
  locks: BuildLocks;
  log: Logger;
  threads: number;
  /** Whether the job, or its parent (a pipeline, a split search), has been cancelled. */
  isCancelRequested(jobId: string, parentId?: string): Promise<boolean>;
  /** The job's one published result, whichever attempt finishes first. */
  ledger: ResultLedger;
  /** Renews the locks of running jobs from a thread a blocked event loop cannot stop. */
  lockKeeper?: Pick<LockKeeper, 'hold'>;
  launcher?: RunJobDeps['launcher'];
  /** Appends a job's stderr lines to its live log (src/jobs/job-stderr-log.ts). */
  stderrLog?: (jobId: string, lines: string[]) => Promise<void>;
  /** BIO_QUEUE_MAX_RUNNING_PER_OWNER: a slot of the job's owner, or the job held back (owner-cap.ts). */
  ownerCap?: OwnerCap;
}

export type JobProcessor = (job: Job<JobData, JobReturn>, token?: string, signal?: AbortSignal) => Promise<JobReturn>;

export function createJobProcessor(deps: ProcessJobDeps): JobProcessor {
  return async (job, token, signal) => {
    const log = deps.log.child({ jobId: job.id, tool: job.data.tool, queue: job.queueName, attempt: job.attemptsMade + 1 });
    let workDir: string | undefined;
    const stages = stageClock();
    let freeSlot: (() => Promise<void>) | undefined;
    const release = token && deps.lockKeeper ? deps.lockKeeper.hold(job.queueName, job.id!, token) : undefined;
    // Reports go to Redis spaced out (progress-writes.ts): a tiny job writes none.
    const progress = progressWrites((r) => job.updateProgress(r), log);
    try {
      // An earlier attempt published and then died before BullMQ recorded the completion.
      // Both asked at once: one round trip to Redis instead of two.
      const [earlier, cancelRequested] = await Promise.all([deps.ledger.published(job.id!), deps.isCancelRequested(job.id!, job.data.parent?.job_id)]);
      if (earlier) {
        log.warn('an earlier attempt of this job published its result: returning it without running the tool again');
        return earlier;
      }
      if (cancelRequested) throw cancelled();
      stages.mark('ledger and cancel checks');
      const tool = findTool(job.data.tool);
      if (!tool) throw new BioQueueError('input_invalid', `this worker does not know the tool "${job.data.tool}"`);
      // Past the checks that end a job without running anything: only a run takes the owner's slot.
      if (deps.ownerCap && token) freeSlot = await deps.ownerCap.enter(job, token);
      // In place (in-place-files.ts): a folder made is bounded work.
      workDir = fs.mkdtempSync(path.join(deps.workRoot, `${job.id}-`));
      const attemptTag = attemptTagOf(job.attemptsStarted);
      log.info({ workDir, attemptsStarted: job.attemptsStarted }, 'job started');
      const data = await resolveStepInputs(job.data, deps.ledger);
      stages.mark('work dir, step inputs');
      const result = await runJob(job.id!, data, tool, workDir, {
        config: deps.config,
        store: deps.store,
        locks: deps.locks,
        log,
        threads: deps.threads,
        report: progress.report,
        // Under the id the client follows: a pipeline's or a split search's, for one of its steps or parts.
        stderrLines: deps.stderrLog ? (lines) => deps.stderrLog!(job.data.parent?.job_id ?? job.id!, lines) : undefined,
        signal,
        launcher: deps.launcher,
        attemptTag,
        stages,
      });
      // Nothing of this run's progress lands after its result.
      await progress.close();
      const published = await deps.ledger.commit(job.id!, result);
      stages.mark('result published');
      if (published.won) {
        log.info({ attemptsStarted: job.attemptsStarted }, 'result published');
        if (job.attemptsStarted > 1) await discardAbandonedFiles(deps.store, job.id!, published.result, log);
      } else {
        // The duplicate a crash or a frozen worker made: this run's files go, the first result stands.
        log.warn({ attemptsStarted: job.attemptsStarted }, 'duplicate attempt: another attempt published first; this one\'s result and files are discarded');
        await discardLosingFiles(deps.store, job.id!, result, log);
      }
      return published.result;
    } catch (err) {
      // Before the job moves anywhere (back to the queue, failed): no report of this attempt after it.
      await progress.close();
      // Held back by the owner's cap: already back in the queue, no attempt spent.
      if (err instanceof DelayedError) throw err;
      if (signal?.aborted && signal.reason === SHUTDOWN && token) {
        // Draining: hand the job back to the queue untouched for another worker.
        log.warn('worker shutting down: job goes back to the queue');
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      if (signal?.aborted && signal.reason === LOCK_LOST) {
        // Another worker holds the job now (this one froze past its lock): nothing of this attempt
        // is published, and BullMQ refuses its outcome anyway; the work dir goes below.
        log.warn('lost the job\'s lock to another worker: this attempt stops');
        throw new Error('lock lost to another worker');
      }
      const error = signal?.aborted && !(err instanceof BioQueueError && err.code === 'cancelled') ? cancelled() : err;
      const stored = toStoredError(error);
      log.warn({ code: stored.code, message: stored.message }, 'job failed');
      if (error instanceof BioQueueError && !error.retryable) throw new UnrecoverableError(encodeStoredError(stored));
      throw new Error(encodeStoredError(stored));
    } finally {
      await progress.close();
      release?.();
      // Whatever the outcome, the slot goes and the owner's next held job is promoted.
      if (freeSlot) await freeSlot().catch((err: unknown) => log.warn({ err }, 'could not free the owner\'s running slot; it frees itself when the job\'s lock lapses'));
      if (workDir) {
        await removeTree(workDir).catch((err: unknown) => log.warn({ err, workDir }, 'could not remove the work dir'));
        stages.mark('work dir removed');
        log.debug({ stages_ms: stages.stages(), queue_wait_ms: (job.processedOn ?? job.timestamp) - job.timestamp }, 'job stages');
      }
    }
  };
}

function cancelled(): BioQueueError {
  return new BioQueueError('cancelled', 'cancelled by request');
}

export function defaultThreads(concurrency: number, configured: number | undefined): number {
  return configured ?? Math.max(1, Math.floor(os.availableParallelism() / concurrency));
}
