// What a job's end means for storage. Its staged inputs (copies of path inputs made at submit for
// remote workers) are needed by no one once the job has completed, failed for good or been
// cancelled, so they go at once instead of at retention; its results are counted against its
// owner's quota. The worker calls this when BullMQ has recorded the end, the cancel of a queued
// job calls it too, and the retention sweep catches whatever a dying worker left.
import type { Logger } from '../logger.js';
import type { ResultStore } from '../storage/result-store.js';
import { inputKey } from '../storage/store-keys.js';
import type { JobData, JobReturn } from './job-model.js';
import { usageSet, type OwnerUsage } from './owner-usage.js';

export interface EndedJobDeps {
  store: Pick<ResultStore, 'removeStagedInputs'>;
  usage: OwnerUsage;
  log: Logger;
}

/** A job that has ended: returned is its result when it completed. Never throws: a failure is logged, and the sweep tries again. */
export async function settleEndedJob(deps: EndedJobDeps, jobId: string, data: JobData, returned?: JobReturn): Promise<void> {
  const { store, usage, log } = deps;
  try {
    // A split search's part is not counted: its files are removed once merged into the search's,
    // which are (worker/split-search.ts).
    if (returned && !data.parent?.part) await usage.record(data.owner, usageSet.results(jobId), returned.files.reduce((sum, f) => sum + f.size_bytes, 0));
  } catch (err) {
    log.warn({ err, jobId }, 'could not count the job\'s results against its owner\'s quota');
  }
  if (!hasStagedInputs(jobId, data)) return;
  try {
    await store.removeStagedInputs(jobId);
    await usage.release(data.owner, usageSet.stagedInputs(jobId));
  } catch (err) {
    log.warn({ err, jobId }, 'could not remove the inputs staged for an ended job; the retention sweep will');
  }
}

// Only S3 storage stages path inputs: most jobs have nothing to remove, and cost no listing.
export function hasStagedInputs(jobId: string, data: Pick<JobData, 'inputs'>): boolean {
  const staged = inputKey(jobId, '');
  return Object.values(data.inputs)
    .flatMap((given) => (Array.isArray(given) ? given : [given]))
    .some((ref) => ref?.kind === 'stored' && ref.key.startsWith(staged));
}
