// One job as its queue has it now: its state (with its place in the queue) and its hash, read in
// that order.
//
// A hash read after the state is at least as new as the state: read in this order, an ended
// state always comes with the hash of that end (its failedReason or return value), and the worst
// a race gives is a job shown a step behind. The other order tears under load: a hash read while the job still
// ran (no failedReason yet), then the state read once it had failed, shows a cancelled part of a
// split search as "failed" with no reason — and fails the whole search instead of cancelling it.
//
// A queue's reads take the state, the queue position and the hash in one script (JOB_SNAPSHOT):
// one round trip to Redis a status read, not four (BullMQ's state script, the hash, LLEN,
// ZRANK/LPOS: issue 11), and all three of one instant, which is the guarantee above at its
// strongest. The two-step reads (stateOf, then getJob) remain for readers without the script.
import { Job, raw2NextJobData, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { LuaScript } from '../redis/lua-script.js';
import type { AnyJob, BullState } from './job-view.js';

export interface JobSnapshot {
  job: AnyJob;
  state: BullState;
  /** 1 means next; null unless the job waits in the queue (and for a paused queue's jobs). */
  queuePosition: number | null;
}

/** The two reads of a job, in the order readJob makes them, or both at once. */
export interface JobReads {
  stateOf(jobId: string): Promise<{ state: BullState | 'unknown'; queuePosition: number | null }>;
  getJob(jobId: string): Promise<AnyJob | undefined>;
  /** The state, the position and the hash read at one instant; readJob uses it when given. */
  snapshot?(jobId: string): Promise<JobSnapshot | undefined>;
}

// BullMQ's own state script (getStateV2-8.lua, bullmq 6.7), the same checks, then the place in
// the queue: every job of ours has a priority, so the order is the prioritized set's, after
// anything in the plain wait list (LPUSHed: its last element goes first).
// The checks are in the order a waiter most often finds a job in: completed, active (the short
// active list), prioritized (queued), then failed and delayed. BullMQ's order puts active fifth,
// so every read of a running job (each wake of wait_for_job) ran five commands where two do
// (issue 11). The order cannot change the answer: BullMQ moves a job from one set or list to the
// next inside one script, so a job is never in two of them at once.
// KEYS: completed failed delayed prioritized active wait paused waiting-children (then, for
// JOB_SNAPSHOT, the job's hash); ARGV[1] the id. position(): 0 when the job has no place.
const STATE_AND_POSITION = `
local id = ARGV[1]
local function state()
  if redis.call('ZSCORE', KEYS[1], id) then return 'completed' end
  if redis.call('LPOS', KEYS[5], id) then return 'active' end
  if redis.call('ZSCORE', KEYS[4], id) then return 'prioritized' end
  if redis.call('ZSCORE', KEYS[2], id) then return 'failed' end
  if redis.call('ZSCORE', KEYS[3], id) then return 'delayed' end
  if redis.call('LPOS', KEYS[6], id) then return 'waiting' end
  if redis.call('LPOS', KEYS[7], id) then return 'waiting' end
  if redis.call('ZSCORE', KEYS[8], id) then return 'waiting-children' end
  return 'unknown'
end
local function position(s)
  if s == 'prioritized' then
    return redis.call('LLEN', KEYS[6]) + redis.call('ZRANK', KEYS[4], id) + 1
  end
  if s == 'waiting' then
    local index = redis.call('LPOS', KEYS[6], id)
    if index then return redis.call('LLEN', KEYS[6]) - index end
  end
  return 0
end
local s = state()
`;

const JOB_STATE = new LuaScript(`${STATE_AND_POSITION}
return {s, position(s)}`);

// The same, and the job's hash (HGETALL's flat list; empty for an unknown state) at that instant.
const JOB_SNAPSHOT = new LuaScript(`${STATE_AND_POSITION}
if s == 'unknown' then return {s, 0, {}} end
return {s, position(s), redis.call('HGETALL', KEYS[9])}`);

/** The reads of `queue`'s jobs, the state on `redis` (the queue's Redis) by one script. */
export function queueReads(queue: Queue, redis: Redis): JobReads {
  const k = queue.keys;
  const keys = [k.completed!, k.failed!, k.delayed!, k.prioritized!, k.active!, k.wait!, k.paused!, k['waiting-children']!];
  return {
    async stateOf(jobId) {
      const [state, position] = (await JOB_STATE.run(redis, keys, [jobId])) as [BullState | 'unknown', number];
      return { state, queuePosition: position === 0 ? null : position };
    },
    getJob: async (jobId) => (await queue.getJob(jobId)) as AnyJob | undefined,
    async snapshot(jobId) {
      const [state, position, hash] = (await JOB_SNAPSHOT.run(redis, [...keys, queue.toKey(jobId)], [jobId])) as [BullState | 'unknown', number, string[]];
      // A state with no hash left (removed on its own): no job, as BullMQ's getJob says for an empty hash.
      if (state === 'unknown' || hash.length === 0) return undefined;
      // BullMQ's own decoding of a hash read by a script (what its moveToActive uses), then getJob's.
      const json = raw2NextJobData([hash])[0] as Parameters<typeof Job.fromJSON>[1];
      const job = Job.fromJSON(queue, json, jobId) as AnyJob;
      return { job, state, queuePosition: position === 0 ? null : position };
    },
  };
}

/** The job, its state and place in the queue; undefined when its queue has no such job (never queued, or removed). */
export async function readJob(reads: JobReads, jobId: string): Promise<JobSnapshot | undefined> {
  if (reads.snapshot) return reads.snapshot(jobId);
  const { state, queuePosition } = await reads.stateOf(jobId);
  if (state === 'unknown') return undefined;
  const job = await reads.getJob(jobId);
  // Removed between the two reads.
  if (!job) return undefined;
  return { job, state, queuePosition };
}
