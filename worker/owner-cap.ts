// BIO_QUEUE_MAX_RUNNING_PER_OWNER in the worker: before a tool job runs, its owner's slot is
// claimed (src/jobs/owner-slots.ts); at the cap the job goes back to the queue delayed, BullMQ's
// documented pattern (moveToDelayed, then DelayedError: no failed attempt), and is listed as held.
//
// Why held jobs are delayed rather than put back to wait: with a queue full of one owner's jobs,
// a job put back at once would be taken again at once, and another owner's job behind them would
// wait for the workers to cycle through all of them, over and over. Delayed, each of them is
// passed over once; the other owners' jobs behind them run as soon as a slot is free. When one
// of the owner's runs ends, its worker promotes the owner's first held job straight away, which
// BullMQ queues behind the jobs already waiting (a promoted job takes the back of its priority),
// so owners take turns. The delay itself (holdMs) is only the safety net for a promotion that
// never came (a worker killed while running one of the owner's jobs frees its slot when its
// lock lapses, with no one to promote): a held job comes back after it at the latest.
//
// Counted: every job that runs a tool here, i.e. single jobs, pipeline steps and split-search
// parts. Not counted: the pipeline queue's own jobs (a pipeline's assembly, a split search's split
// and merge), which run no tool and would otherwise hold a slot while their steps wait for one.
import { DelayedError, type Job } from 'bullmq';
import type { Logger } from '../src/logger.js';
import type { JobData, JobReturn } from '../src/jobs/job-model.js';
import type { OwnerSlots } from '../src/jobs/owner-slots.js';

export interface OwnerCapOptions {
  slots: OwnerSlots;
  /** Runs one owner may have going at once. */
  cap: number;
  /** Longest a held job stays delayed when no promotion comes. */
  holdMs: number;
  /** Moves a delayed job back to the queue; 'gone' when it no longer exists (cancelled while held). */
  promote(jobId: string): Promise<'promoted' | 'gone'>;
  log: Logger;
}

export interface OwnerCap {
  /**
   * Claims a slot for the job's owner and returns the function that frees it; at the cap, moves
   * the job back to the queue (delayed, held) and throws DelayedError, which the processor rethrows.
   */
  enter(job: Job<JobData, JobReturn>, token: string): Promise<() => Promise<void>>;
}

// A held job's place among its owner's: higher priority first (BullMQ's priority, 1 first), then
// earlier submitted. Fits a double exactly: priority ≤ 10, times a millisecond clock below 1e13.
function heldOrder(job: Job<JobData, JobReturn>): number {
  const submitted = Date.parse(job.data.submitted_at);
  return (job.opts.priority ?? 0) * 1e13 + (Number.isFinite(submitted) ? submitted : job.timestamp);
}

export function createOwnerCap(options: OwnerCapOptions): OwnerCap {
  const { slots, cap, log } = options;

  // Promotes the owner's held jobs that may run now; one that was cancelled while held is skipped
  // for the next. Bounded: whatever is left comes back after holdMs anyway.
  async function promoteHeld(owner: string, first: string[]): Promise<void> {
    let ids = first;
    for (let round = 0; round < 8 && ids.length > 0; round++) {
      let gone = 0;
      for (const id of ids) if ((await options.promote(id)) === 'gone') gone++;
      if (gone === 0) return;
      ids = await slots.release(owner, undefined, cap, gone);
    }
  }

  return {
    async enter(job, token) {
      const owner = job.data.owner;
      const jobId = job.id!;
      const claim = await slots.claim(owner, jobId, token, cap);
      if (claim.taken) {
        return async () => {
          const next = await slots.release(owner, { jobId, token }, cap);
          await promoteHeld(owner, next);
        };
      }
      // Spread over a fifth more, so an owner's jobs held together do not all come back together.
      const delay = Math.round(options.holdMs * (1 + Math.random() / 5));
      await job.moveToDelayed(Date.now() + delay, token);
      const held = await slots.hold(owner, job.queueName, jobId, cap, heldOrder(job));
      // A run of the owner's ended between the claim and the hold: nothing was held for it to promote.
      if (!held) await options.promote(jobId);
      log.debug({ jobId, owner, running: claim.running, cap, held }, 'owner at the cap of running jobs: job held back');
      throw new DelayedError();
    },
  };
}
