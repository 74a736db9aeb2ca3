// Redis keys and channels of our own, beside BullMQ's, all under the configured prefix.
export interface JobKeys {
  /**
   * Sorted set of one owner's jobs of one tool (or pipeline), scored by submission ms: list_jobs
   * merges an owner's (job-index.ts). One set per job, not one per owner plus one for everyone:
   * each costs ~118 bytes a job (bench/deep-queue.ts), and a tool filter reads only its own.
   */
  toolIndex(owner: string, tool: string): string;
  /** Set of the tools an owner has a toolIndex of. */
  ownerTools(owner: string): string;
  /** Set of the owners that have a toolIndex, for an admin's list. */
  owners: string;
  /** Written by versions before the per-tool indexes: every job id (read-only now, for admins). */
  legacyIndex: string;
  /** Written by versions before the per-tool indexes: one owner's job ids (read-only now). */
  legacyOwnerIndex(owner: string): string;
  /** Sorted set of the tombstones' job ids, scored by when each expires: list_jobs' "cancelled" reads it (status-candidates.ts). */
  tombstones: string;
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
    // Owners are API key names (no ":"), so an owner's tools set never reads as another's index.
    toolIndex: (owner, tool) => `${prefix}:bioq:jobs:${owner}:${tool}`,
    ownerTools: (owner) => `${prefix}:bioq:jobs:${owner}`,
    owners: `${prefix}:bioq:owners`,
    legacyIndex: `${prefix}:bioq:index`,
    legacyOwnerIndex: (owner) => `${prefix}:bioq:index:owner:${owner}`,
    tombstones: `${prefix}:bioq:tombstones`,
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
