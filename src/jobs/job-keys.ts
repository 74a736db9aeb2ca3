// Redis keys and channels of our own, beside BullMQ's, all under the configured prefix.
export interface JobKeys {
  /** Sorted set of every job id, scored by submission time: list_jobs pages through it. */
  index: string;
  /** The same, for one owner's jobs only: a user's list never scans everyone's. */
  ownerIndex(owner: string): string;
  /** Set while a cancel is requested, so a worker that picks the job up later still sees it. */
  cancelFlag(jobId: string): string;
  /** What is left of a queued job that was cancelled and removed from its queue. */
  tombstone(jobId: string): string;
  /** A job's one published result (its JobReturn as JSON), set once by the attempt that finished first. */
  published(jobId: string): string;
  /** A capped stream of the last stderr lines of a running job's tool, for clients following it (job-stderr-log.ts). */
  stderrLog(jobId: string): string;
  /** Pub/sub channel every worker listens on for cancel requests. */
  cancelChannel: string;
  /** Sorted set of the owner's running tool runs, "<job id> <lock token>" each (owner-slots.ts). */
  runningSlots(owner: string): string;
  /** Sorted set of the owner's jobs held back by the cap, in the order they should run (owner-slots.ts). */
  heldJobs(owner: string): string;
  /** The cap the workers hold jobs back at, as the last of them wrote it: the status of a held job quotes it. */
  runningCap: string;
}

export function jobKeys(prefix: string): JobKeys {
  return {
    index: `${prefix}:bioq:index`,
    ownerIndex: (owner) => `${prefix}:bioq:index:owner:${owner}`,
    cancelFlag: (jobId) => `${prefix}:bioq:cancel:${jobId}`,
    tombstone: (jobId) => `${prefix}:bioq:tombstone:${jobId}`,
    published: (jobId) => `${prefix}:bioq:published:${jobId}`,
    stderrLog: (jobId) => `${prefix}:bioq:stderr:${jobId}`,
    cancelChannel: `${prefix}:bioq:cancel`,
    runningSlots: (owner) => `${prefix}:bioq:running:${owner}`,
    heldJobs: (owner) => `${prefix}:bioq:held:${owner}`,
    runningCap: `${prefix}:bioq:running-cap`,
  };
}
