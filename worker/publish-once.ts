// Exactly one result per job, however many attempts ran it. An attempt can outlive its lock: its
// worker froze past the lock duration (SIGSTOP, a swapped-out VM), another worker took the job
// over, and then both finish. BullMQ refuses the late one's completion (its lock token no longer
// matches), but the files it stored and the result it returns would already be out. So each
// attempt stores its files under keys of its own (attempt<n>.name from the second attempt on),
// and publishes with one SET NX of the job's "published" key, which holds the whole result:
// the first to commit wins; a later finisher removes its own files and returns the winner's
// result; an attempt that starts after a commit (the winner died before BullMQ recorded the
// completion) returns that result without running the tool again.
import type { Redis } from 'ioredis';
import type { Logger } from '../src/logger.js';
import { JobReturnSchema, type JobReturn } from '../src/jobs/job-model.js';
import { jobKeys } from '../src/jobs/job-keys.js';
import { setIfAbsent } from '../src/redis/set-if-absent.js';
import type { ResultStore } from '../src/storage/result-store.js';

export interface ResultLedger {
  /** The result an earlier attempt published, if one did. */
  published(jobId: string): Promise<JobReturn | undefined>;
  /** Publishes `result` unless another attempt did first; returns the one published result. */
  commit(jobId: string, result: JobReturn): Promise<{ won: boolean; result: JobReturn }>;
}

/**
 * The prefix of one attempt's stored file names: none for a job's first attempt (results/<job>/<name>,
 * the links users know), `attempt<n>.` for the n-th. BullMQ counts every start of a job
 * (attemptsStarted), so two attempts never share a prefix.
 */
export function attemptTag(attemptsStarted: number): string | undefined {
  return attemptsStarted <= 1 ? undefined : `attempt${attemptsStarted}`;
}

// Kept as long as the job itself (retention), so a late attempt always finds the winner.
export function redisResultLedger(redis: Redis, prefix: string, retentionMs: number): ResultLedger {
  const keys = jobKeys(prefix);
  const parse = (raw: string) => JobReturnSchema.parse(JSON.parse(raw));
  const read = async (jobId: string) => {
    const raw = await redis.get(keys.published(jobId));
    return raw === null ? undefined : parse(raw);
  };
  return {
    published: read,
    async commit(jobId, result) {
      // Our own result found there (a SET sent again after a lost reply) is a win: taken for
      // another attempt's, this attempt's files, the ones the published result links to, would be
      // removed as a loser's.
      const claim = await setIfAbsent(redis, keys.published(jobId), JSON.stringify(result), retentionMs);
      // Gone between the two commands only if the job was removed meanwhile: nothing to publish to.
      if (claim.set || claim.holder === null) return { won: true, result };
      return { won: false, result: parse(claim.holder) };
    },
  };
}

// An attempt that died after storing its files and before committing left them behind; the winner
// takes them away. (One that dies in that gap after this sweep leaves its files to retention.)
export async function discardAbandonedFiles(store: ResultStore, jobId: string, winner: JobReturn, log: Logger): Promise<void> {
  await store.removeResultsExcept(jobId, winner.files).catch((err: unknown) => log.warn({ err, jobId }, 'could not remove the files of attempts that died before publishing; retention removes them'));
}

// The losing attempt's files go at once; what fails here is left to the job's retention.
export async function discardLosingFiles(store: ResultStore, jobId: string, result: JobReturn, log: Logger): Promise<void> {
  await store.removeFiles(result.files).catch((err: unknown) => log.warn({ err, jobId }, 'could not remove the files of an attempt whose result lost; retention removes them'));
}
