// How many bytes each owner keeps in storage, for BIO_QUEUE_OWNER_QUOTA_BYTES: a ledger in Redis
// of the owner's stored sets (a job's results, a job's staged inputs, one upload) with their
// bytes and when they were stored. Sets removed early (staged inputs when their job ends, a job
// cancelled while queued) are released by name; everything else ages out of the ledger after the
// retention time, as the sweep removes the files themselves, so nothing has to tell the ledger
// which owner an old file belonged to. Counting is best effort in the owner's favour: a set whose
// recording was lost (a worker dying between storing and recording) is simply not counted.
import type { Redis } from 'ioredis';
import { BioQueueError } from '../errors.js';
import { LuaScript } from '../redis/lua-script.js';

/** What a ledger entry names; its bytes are replaced, never added, so recording twice is harmless. */
export const usageSet = {
  results: (jobId: string) => `results/${jobId}`,
  stagedInputs: (jobId: string) => `inputs/${jobId}`,
  /** The upload's own storage key, uploads/<owner>/<id>. */
  upload: (key: string) => key,
};

export interface OwnerUsage {
  /** Records a set of the owner's files; its age counts from the first time it was recorded. */
  record(owner: string, set: string, bytes: number): Promise<void>;
  /** Forgets a set whose files were removed before the retention time. */
  release(owner: string, set: string): Promise<void>;
  /** Bytes the owner keeps now, and when the oldest set counted leaves the ledger (ms), if any. */
  used(owner: string): Promise<{ bytes: number; oldestExpiresAt: number | undefined }>;
  /** Throws quota_exceeded when the owner is at or over the quota; nothing when there is none. */
  assertRoom(owner: string): Promise<void>;
}

// KEYS: bytes hash, stored-at sorted set. ARGV: set, bytes, now, ttl ms. The age is kept from the
// first recording (an upload counted again when used keeps its upload time, as its file does).
// Sent by its hash (LuaScript): a worker records every job's results with it.
const RECORD = new LuaScript(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1`);

// KEYS: bytes hash, stored-at sorted set. ARGV: cutoff ms. Drops sets stored before the cutoff
// (the sweep removes their files), then returns the sum and the oldest remaining time.
const USED = new LuaScript(`
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
for _, set in ipairs(old) do redis.call('HDEL', KEYS[1], set) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
local total = 0
for _, bytes in ipairs(redis.call('HVALS', KEYS[1])) do total = total + tonumber(bytes) end
local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return { tostring(total), oldest[2] or '' }`);

export function ownerUsage(redis: Redis, prefix: string, retentionMs: number, quotaBytes: number | undefined): OwnerUsage {
  const bytesKey = (owner: string) => `${prefix}:bioq:usage:${owner}`;
  const agesKey = (owner: string) => `${prefix}:bioq:usage-at:${owner}`;
  const usage: OwnerUsage = {
    async record(owner, set, bytes) {
      // Every entry is younger than the latest write, so the keys may go once it is retentionMs old.
      await RECORD.run(redis, [bytesKey(owner), agesKey(owner)], [set, String(bytes), String(Date.now()), String(Math.ceil(retentionMs))]);
    },
    async release(owner, set) {
      await redis.multi().hdel(bytesKey(owner), set).zrem(agesKey(owner), set).exec();
    },
    async used(owner) {
      const [total, oldest] = (await USED.run(redis, [bytesKey(owner), agesKey(owner)], [String(Date.now() - retentionMs)])) as [string, string];
      return { bytes: Number(total), oldestExpiresAt: oldest === '' ? undefined : Number(oldest) + retentionMs };
    },
    async assertRoom(owner) {
      if (quotaBytes === undefined) return;
      const { bytes, oldestExpiresAt } = await usage.used(owner);
      if (bytes < quotaBytes) return;
      const frees = oldestExpiresAt === undefined ? '' : ` (the oldest at ${new Date(oldestExpiresAt).toISOString()})`;
      throw new BioQueueError(
        'quota_exceeded',
        `"${owner}" keeps ${bytes} bytes in storage, at or over the ${quotaBytes}-byte quota (BIO_QUEUE_OWNER_QUOTA_BYTES); ` +
          `results and uploads free their space when they pass the retention time of BIO_STORAGE_RETENTION_DAYS${frees}, and inputs staged for queued or running jobs when those end or are cancelled`,
      );
    },
  };
  return usage;
}
