// The jobs that may have a status, read from where BullMQ keeps each state (and from the
// tombstones), so list_jobs with a status filter reads its indexes at these ids only instead of
// loading every job to see its status: asking for "completed" among a million queued jobs then
// reads nothing. Only when they are few: for a status most jobs have (a deep queue asked for
// "queued"), reading the index in order fills a page at once, and listing a million ids would not.
import type { Redis } from 'ioredis';
import type { JobStatusName } from './job-model.js';
import type { JobQueues } from './job-queues.js';

/** Past this many jobs in the status's states, list_jobs reads its indexes in order instead. */
export const MAX_STATUS_CANDIDATES = 10_000;

type StateKey = 'wait' | 'paused' | 'prioritized' | 'delayed' | 'waiting-children' | 'active' | 'completed' | 'failed';

// Where BullMQ keeps the jobs each of our statuses comes from (job-view.ts statusNameOf): a
// cancelled job is a failed one whose error says so, or a removed queued one's tombstone.
const STATES: Record<JobStatusName, readonly StateKey[]> = {
  queued: ['wait', 'paused', 'prioritized', 'delayed', 'waiting-children'],
  running: ['active'],
  completed: ['completed'],
  failed: ['failed'],
  cancelled: ['failed'],
};
const LISTS: ReadonlySet<StateKey> = new Set(['wait', 'paused', 'active']);

/**
 * Every job id that may have `status` now (a superset: a failed job may be cancelled, and the
 * listing checks each), or undefined when there are more than MAX_STATUS_CANDIDATES.
 */
export async function statusCandidates(redis: Redis, queues: JobQueues, tombstonesKey: string, status: JobStatusName, nowMs = Date.now()): Promise<string[] | undefined> {
  const keys = [...queues.values()].flatMap((queue) => STATES[status].map((state) => ({ key: queue.keys[state]!, list: LISTS.has(state) })));
  const withTombstones = status === 'cancelled';
  const count = redis.pipeline();
  for (const { key, list } of keys) (list ? count.llen(key) : count.zcard(key));
  if (withTombstones) count.zcount(tombstonesKey, `(${nowMs}`, '+inf');
  const total = (await count.exec())!.reduce((sum, [err, n]) => sum + (err ? Number.POSITIVE_INFINITY : Number(n)), 0);
  if (total > MAX_STATUS_CANDIDATES) return undefined;
  // One transaction: a job moving between two of the states is read in one of them, never neither.
  const read = redis.multi();
  for (const { key, list } of keys) (list ? read.lrange(key, 0, -1) : read.zrange(key, '0', '-1'));
  if (withTombstones) read.zrangebyscore(tombstonesKey, `(${nowMs}`, '+inf');
  const ids = new Set<string>();
  for (const [err, found] of (await read.exec())!) {
    if (err) throw err;
    for (const id of found as string[]) ids.add(id);
  }
  return [...ids];
}
