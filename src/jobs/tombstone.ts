// A cancelled queued job is removed from BullMQ; its tombstone keeps answering status calls
// with "cancelled" for as long as finished jobs are kept.
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { LOCAL_OWNER } from '../config.js';
import { StatusSchema, type JobStatus } from './job-model.js';

// The owner is kept beside the public status, so the ownership rule holds for tombstones too.
const TombstoneSchema = StatusSchema.extend({ owner: z.string().default(LOCAL_OWNER) });

/** registry: the sorted set of tombstones (job-keys.ts tombstones), scored by expiry, for list_jobs' "cancelled". */
export async function writeTombstone(redis: Redis, key: string, registry: string, status: JobStatus & { owner: string }, ttlMs: number): Promise<void> {
  await redis.multi().set(key, JSON.stringify(status), 'PX', ttlMs).zadd(registry, Date.now() + ttlMs, status.job_id).exec();
}

/** Takes back a tombstone written for a removal that did not happen. */
export async function dropTombstone(redis: Redis, key: string, registry: string, jobId: string): Promise<void> {
  await redis.multi().del(key).zrem(registry, jobId).exec();
}

export async function readTombstone(redis: Redis, key: string): Promise<{ status: JobStatus; owner: string } | undefined> {
  const raw = await redis.get(key);
  if (!raw) return undefined;
  const parsed = TombstoneSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) return undefined;
  const { owner, ...status } = parsed.data;
  return { status, owner };
}
