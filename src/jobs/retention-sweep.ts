// Finished jobs and their files are kept for the retention time, then removed: BullMQ's
// removeOnComplete/removeOnFail act only when another job finishes, so sweep on a timer too.
// The sweep is also the safety net of the cleanups that happen when a job ends: staged inputs
// of ended jobs that a dying worker left, and idempotency keys whose job is gone.
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ResultStore } from '../storage/result-store.js';
import { adoptKeysOnce } from '../redis/adopt-keys-once.js';
import { LuaScript } from '../redis/lua-script.js';
import { idempotencyRecordPattern, idempotencyRegistryKey } from './idempotency.js';
import { queueOfJobId } from './job-ids.js';
import { jobKeys } from './job-keys.js';
import type { JobQueues } from './job-queues.js';

const EVERY_MS = 60 * 60 * 1000;
const ZSCAN_COUNT = 500;

export interface SweepCounts {
  jobs: number;
  fileSets: number;
  /** Staged input sets of jobs that had ended (normally removed by the worker when the job ends). */
  stagedInputs: number;
  /** Idempotency keys freed because their job is gone. */
  idempotencyKeys: number;
}

export async function sweepOnce(config: Config, queues: JobQueues, store: ResultStore, redis: Redis): Promise<SweepCounts> {
  let jobs = 0;
  for (const queue of queues.values()) {
    for (const state of ['completed', 'failed'] as const) {
      jobs += (await queue.clean(config.retentionMs, 10_000, state)).length;
    }
  }
  const fileSets = await store.sweep(config.retentionMs);
  const stagedInputs = await sweepEndedJobsInputs(config, queues, store, redis);
  const idempotencyKeys = await sweepIdempotencyKeys(config, queues, redis);
  await sweepTombstoneRegistry(config, redis);
  return { jobs, fileSets, stagedInputs, idempotencyKeys };
}

export function startRetentionSweep(config: Config, queues: JobQueues, store: ResultStore, redis: Redis, log: Logger): { stop(): void } {
  const run = () =>
    sweepOnce(config, queues, store, redis).then(
      (removed) => log.debug(removed, 'retention sweep'),
      (err: unknown) => log.warn({ err }, 'retention sweep failed'),
    );
  const first = setTimeout(run, 5_000);
  const timer = setInterval(run, EVERY_MS);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}

type JobPresence = 'running' | 'ended' | 'absent';

// Whether a job is still to run or running, has ended (kept in BullMQ, or a cancelled job's
// tombstone), or is not known at all.
async function presenceOf(jobId: string, queues: JobQueues, redis: Redis, prefix: string): Promise<JobPresence> {
  const queue = queues.get(queueOfJobId(jobId) ?? '');
  const job = await queue?.getJob(jobId);
  if (job) {
    const state = await job.getState();
    return state === 'completed' || state === 'failed' ? 'ended' : 'running';
  }
  return (await redis.exists(jobKeys(prefix).tombstone(jobId))) === 1 ? 'ended' : 'absent';
}

// Staged inputs of jobs that have ended. A set whose job is not known is left to the age-based
// sweep: it may belong to a submission that is still staging, whose job is not queued yet.
async function sweepEndedJobsInputs(config: Config, queues: JobQueues, store: ResultStore, redis: Redis): Promise<number> {
  let removed = 0;
  for (const jobId of await store.stagedInputJobs()) {
    if ((await presenceOf(jobId, queues, redis, config.prefix)) !== 'ended') continue;
    await store.removeStagedInputs(jobId);
    removed += 1;
  }
  return removed;
}

/** The marker keys that say older versions' keys were adopted into the registries (adopt-keys-once.ts). */
export function adoptionMarkers(prefix: string): { idempotency: string; tombstones: string } {
  return { idempotency: `${idempotencyRegistryKey(prefix)}:adopted`, tombstones: `${jobKeys(prefix).tombstones}:adopted` };
}

// Drops from the record registry a member whose record is gone, or deletes a record whose job is
// gone (only if unchanged since read: a new submission may have taken the key meanwhile).
const DROP_IF_GONE = new LuaScript(`if redis.call('EXISTS', KEYS[1]) == 0 then return redis.call('ZREM', KEYS[2], KEYS[1]) end return 0`);
const DELETE_IF_UNCHANGED = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('ZREM', KEYS[2], KEYS[1]) return redis.call('DEL', KEYS[1]) end return 0`);

// An idempotency key lasts as long as its job: renewed while the job exists, removed after.
// Pending reservations (a submission under way) expire on their own. The records are walked in
// their registry (idempotency.ts); those older versions wrote are adopted into it once.
async function sweepIdempotencyKeys(config: Config, queues: JobQueues, redis: Redis): Promise<number> {
  const registry = idempotencyRegistryKey(config.prefix);
  await adoptKeysOnce(redis, {
    pattern: idempotencyRecordPattern(config.prefix),
    registry,
    marker: adoptionMarkers(config.prefix).idempotency,
    entry: (key) => ({ member: key, score: Date.now() }),
  });
  let freed = 0;
  let cursor = '0';
  do {
    const [next, flat] = await redis.zscan(registry, cursor, 'COUNT', ZSCAN_COUNT);
    cursor = next;
    for (let i = 0; i < flat.length; i += 2) {
      const key = flat[i]!;
      const raw = await redis.get(key);
      if (raw === null) {
        await DROP_IF_GONE.run(redis, [key, registry], []);
        continue;
      }
      const record = JSON.parse(raw) as { job_id: string; state: string };
      if (record.state !== 'queued') continue;
      if ((await presenceOf(record.job_id, queues, redis, config.prefix)) === 'absent') {
        freed += Number(await DELETE_IF_UNCHANGED.run(redis, [key, registry], [raw]));
      } else {
        await redis.pexpire(key, Math.ceil(config.retentionMs));
      }
    }
  } while (cursor !== '0');
  return freed;
}

// The tombstone registry (job-keys.ts tombstones) loses the members whose tombstone has expired;
// tombstones older versions wrote are adopted into it once, scored by when they expire.
async function sweepTombstoneRegistry(config: Config, redis: Redis): Promise<void> {
  const keys = jobKeys(config.prefix);
  const namePrefix = keys.tombstone('');
  await adoptKeysOnce(redis, {
    pattern: `${namePrefix}*`,
    registry: keys.tombstones,
    marker: adoptionMarkers(config.prefix).tombstones,
    entry: (key, pttl) => ({ member: key.slice(namePrefix.length), score: Date.now() + (pttl >= 0 ? pttl : config.retentionMs) }),
  });
  await redis.zremrangebyscore(keys.tombstones, '-inf', Date.now());
}
