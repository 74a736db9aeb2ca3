// The Redis side of BIO_QUEUE_MAX_RUNNING_PER_OWNER: which tool runs each owner has going, and
// which of the owner's jobs wait for one of them to end. BullMQ (open source) has no groups, so
// the cap is kept beside its queues: a worker that takes a job claims a slot for the job's owner
// (worker/owner-cap.ts); at the cap, the job goes back to the queue delayed and is listed here as
// held, and whoever frees one of the owner's slots promotes the first held job at once.
//
// A slot is "<job id> <lock token>" and lives exactly as long as that attempt holds BullMQ's lock
// on the job (the key <prefix>:<queue>:<job id>:lock holds the token): a killed worker's slot frees
// itself when its lock lapses (BIO_QUEUE_STALLED_SECONDS), a job whose lock another worker took
// over gives its slot to that attempt, and nothing needs a lease of its own. The scripts read keys
// they build themselves, so they want one Redis, not a cluster (as the rest of the queue does).
import type { Redis } from 'ioredis';
import { jobKeys, type JobKeys } from './job-keys.js';

// The queue of one of our job ids ("blast-k3j9…": job-ids.ts) and the live slots of an owner.
const LIVE = `
local function lockOf(prefix, slot)
  local id, token = string.match(slot, '^(%S+) (%S+)$')
  local queue = id and string.match(id, '^(.-)%-')
  if not queue then return nil, nil end
  return redis.call('GET', prefix .. ':' .. queue .. ':' .. id .. ':lock'), token
end
local function prune(running, prefix)
  for _, slot in ipairs(redis.call('ZRANGE', running, 0, -1)) do
    local lock, token = lockOf(prefix, slot)
    if not lock or lock ~= token then redis.call('ZREM', running, slot) end
  end
  return redis.call('ZCARD', running)
end
`;

// KEYS: running, held. ARGV: prefix, slot, job id, cap, now. {1, n}: the slot is the job's (n
// running now, with it); {0, n}: the owner is at the cap.
const CLAIM = `${LIVE}
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return {1, redis.call('ZCARD', KEYS[1])} end
local n = prune(KEYS[1], ARGV[1])
if n >= tonumber(ARGV[4]) then return {0, n} end
redis.call('ZADD', KEYS[1], ARGV[5], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[3])
return {1, n + 1}`;

// KEYS: running, held, cap key, the job's BullMQ hash. ARGV: prefix, job id, cap, order. Run once
// the refused job is delayed. 0: a slot freed meanwhile (its release found nothing held to
// promote), so the caller promotes the job itself; 1: held, for the next release to promote.
// The start BullMQ counted when it took the job is taken back (its "ats" field): a hold is no
// attempt, so a job's attempts, and BullMQ's maxStartedAttempts should it be set, count runs only.
const HOLD = `${LIVE}
if redis.call('EXISTS', KEYS[4]) == 1 and tonumber(redis.call('HGET', KEYS[4], 'ats') or '0') > 0 then
  redis.call('HINCRBY', KEYS[4], 'ats', -1)
end
redis.call('SET', KEYS[3], ARGV[3])
if prune(KEYS[1], ARGV[1]) < tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
return 1`;

// KEYS: running, held. ARGV: prefix, slot (or ""), cap, most. Frees the slot, then pops up to as
// many held jobs as the owner has free slots (at most ARGV[4]), first in order first.
const RELEASE = `${LIVE}
if ARGV[2] ~= '' then redis.call('ZREM', KEYS[1], ARGV[2]) end
local free = math.min(tonumber(ARGV[3]) - prune(KEYS[1], ARGV[1]), tonumber(ARGV[4]))
if free <= 0 then return {} end
local popped = redis.call('ZPOPMIN', KEYS[2], free)
local ids = {}
for i = 1, #popped, 2 do ids[#ids + 1] = popped[i] end
return ids`;

// KEYS: running, held, cap key. ARGV: prefix, job id. Read only: {held 0/1, live slots, cap or ""}.
const HELD = `${LIVE}
local live = 0
for _, slot in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local lock, token = lockOf(ARGV[1], slot)
  if lock and lock == token then live = live + 1 end
end
return {redis.call('ZSCORE', KEYS[2], ARGV[2]) and 1 or 0, live, redis.call('GET', KEYS[3]) or ''}`;

/** Why a job waits although it is next: its owner's running count and the cap. */
export interface HeldBack {
  running: number;
  cap: number;
}

export interface OwnerSlots {
  /** Takes a slot for this attempt (token: BullMQ's lock token); false when the owner is at the cap. */
  claim(owner: string, jobId: string, token: string, cap: number): Promise<{ taken: boolean; running: number }>;
  /**
   * Lists a refused job, already moved to delayed, as held (order: lower runs first). False: a
   * slot freed meanwhile and the job was not listed; promote it.
   */
  hold(owner: string, queue: string, jobId: string, cap: number, order: number): Promise<boolean>;
  /** Frees the slot (undefined: none to free) and takes the held jobs that may now run, to be promoted. */
  release(owner: string, slot: { jobId: string; token: string } | undefined, cap: number, most?: number): Promise<string[]>;
  /** Whether the job is held back by the cap now, and why; undefined when it is not. */
  heldBack(owner: string, jobId: string, fallbackCap: number | undefined): Promise<HeldBack | undefined>;
}

export function ownerSlots(redis: Redis, prefix: string): OwnerSlots {
  const keys: JobKeys = jobKeys(prefix);
  const slotOf = (jobId: string, token: string) => `${jobId} ${token}`;
  return {
    async claim(owner, jobId, token, cap) {
      const [taken, running] = (await redis.eval(CLAIM, 2, keys.runningSlots(owner), keys.heldJobs(owner), prefix, slotOf(jobId, token), jobId, String(cap), String(Date.now()))) as [number, number];
      return { taken: taken === 1, running };
    },
    async hold(owner, queue, jobId, cap, order) {
      const held = await redis.eval(HOLD, 4, keys.runningSlots(owner), keys.heldJobs(owner), keys.runningCap, `${prefix}:${queue}:${jobId}`, prefix, jobId, String(cap), String(order));
      return held === 1;
    },
    async release(owner, slot, cap, most = cap) {
      return (await redis.eval(RELEASE, 2, keys.runningSlots(owner), keys.heldJobs(owner), prefix, slot ? slotOf(slot.jobId, slot.token) : '', String(cap), String(most))) as string[];
    },
    async heldBack(owner, jobId, fallbackCap) {
      const [held, running, cap] = (await redis.eval(HELD, 3, keys.runningSlots(owner), keys.heldJobs(owner), keys.runningCap, prefix, jobId)) as [number, number, string];
      const capNow = cap === '' ? fallbackCap : Number(cap);
      return held === 1 && capNow !== undefined ? { running, cap: capNow } : undefined;
    },
  };
}
