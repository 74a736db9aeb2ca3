// A cancelled queued job is removed from BullMQ; its tombstone keeps answering status calls
// with "cancelled" for as long as finished jobs are kept.
import type { Redis } from 'ioredis';
import { StatusSchema, type JobStatus } from './job-model.js';

export async function writeTombstone(redis: Redis, key: string, status: JobStatus, ttlMs: number): Promise<void> {
  await redis.set(key, JSON.stringify(status), 'PX', ttlMs);
}

export async function readTombstone(redis: Redis, key: string): Promise<JobStatus | undefined> {
  const raw = await redis.get(key);
  if (!raw) return undefined;
  const parsed = StatusSchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : undefined;
}
