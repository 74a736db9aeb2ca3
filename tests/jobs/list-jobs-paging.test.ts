// list-jobs.ts pages through a job index by score (submission ms) with a cursor. Jobs sharing a
// millisecond come back in reverse lexical order; past 100 of them (one Redis batch) the paging
// once asked for the same batch again forever. Each case walks a real index in Redis to its end
// and checks every id came exactly once, newest first.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listJobIds } from '../../src/jobs/list-jobs.js';
import type { JobStatus } from '../../src/jobs/job-model.js';

let redis: Redis;
const prefix = `list-jobs-paging-${process.pid}`;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

// A status answer for a listed id; only job_id, status and tool are read by the paging.
function statusOf(id: string): JobStatus {
  return { job_id: id, tool: 'blastn', status: id.endsWith('1') ? 'completed' : 'queued' } as JobStatus;
}

// Every page until next_cursor is null (stops the test if it never comes).
async function walk(key: string, limit: number, load: (id: string) => Promise<JobStatus | undefined>, status?: JobStatus['status']): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await listJobIds(redis, [{ key }], { limit, ...(cursor ? { cursor } : {}), ...(status ? { status } : {}) }, load);
    seen.push(...page.jobs.map((j) => j.job_id));
    if (page.next_cursor === null) return seen;
    cursor = page.next_cursor;
  }
  throw new Error('paging did not end within 1000 pages');
}

// What ZREVRANGEBYSCORE gives for the whole index: the order every walk must reproduce.
async function newestFirst(key: string): Promise<string[]> {
  return redis.zrevrangebyscore(key, '+inf', '-inf');
}

describe('listJobIds', () => {
  it('pages through 250 jobs of one millisecond and ends', async () => {
    const key = `${prefix}:ties`;
    for (let i = 0; i < 250; i++) await redis.zadd(key, 1_700_000_000_000, `blast-${String(i).padStart(16, '0')}`);
    const all = await newestFirst(key);
    const load = async (id: string) => statusOf(id);
    for (const limit of [1, 20, 100]) expect(await walk(key, limit, load)).toEqual(all);
  });

  it('pages through runs of ties among distinct times, filtered, with jobs vanishing on the way', async () => {
    const key = `${prefix}:mixed`;
    let n = 0;
    for (const [ms, count] of [[1, 3], [2, 150], [3, 1], [4, 230], [5, 99], [6, 101]] as const) {
      for (let i = 0; i < count; i++) await redis.zadd(key, 1_700_000_000_000 + ms, `blast-${String(n++).padStart(16, '0')}`);
    }
    const all = await newestFirst(key);
    expect(await walk(key, 7, async (id) => statusOf(id))).toEqual(all);
    expect(await walk(key, 20, async (id) => statusOf(id), 'completed')).toEqual(all.filter((id) => id.endsWith('1')));
    // As JobService.list does for a job retention removed: answered undefined and dropped from
    // the index while the walk is under way. Every other job still comes, once.
    const gone = new Set(all.filter((_, i) => i % 7 === 0));
    const vanishing = async (id: string) => {
      if (!gone.has(id)) return statusOf(id);
      await redis.zrem(key, id);
      return undefined;
    };
    expect(await walk(key, 30, vanishing)).toEqual(all.filter((id) => !gone.has(id)));
  });
});
