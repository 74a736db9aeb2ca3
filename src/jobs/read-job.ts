// One job as its queue has it now: its state and its hash, read in that order.
//
// A hash read after the state is at least as new as the state: read in this order, an ended
// state always comes with the hash of that end (its failedReason or return value), and the worst
// a race gives is a job shown a step behind. The other order tears under load: a hash read while the job still
// ran (no failedReason yet), then the state read once it had failed, shows a cancelled part of a
// split search as "failed" with no reason — and fails the whole search instead of cancelling it.
import type { Queue } from 'bullmq';
import type { AnyJob, BullState } from './job-view.js';

export interface JobSnapshot {
  job: AnyJob;
  state: BullState;
}

/** The job and its state; undefined when its queue has no such job (never queued, or removed). */
export async function readJob(queue: Pick<Queue, 'getJobState' | 'getJob'>, jobId: string): Promise<JobSnapshot | undefined> {
  const state = await queue.getJobState(jobId);
  if (state === 'unknown') return undefined;
  const job = (await queue.getJob(jobId)) as AnyJob | undefined;
  // Removed between the two reads.
  if (!job) return undefined;
  return { job, state };
}
