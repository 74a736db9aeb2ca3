// What the HTTP benches (http-load.ts, http-ab.ts) start from: a temp dir, a throwaway Redis with
// a connection to read its statistics, and the lambda BLAST database the submissions name; and
// how many jobs a serve's queues hold, to check the submissions it accepted are there.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { check } from './bench-checks.js';
import type { Cleanup } from './cleanup.js';
import { makeLambdaDatabase } from './lambda-database.js';
import type { LeanClient } from './lean-http-client.js';
import { startThrowawayRedis, type ThrowawayRedis } from './throwaway-redis.js';

export interface HttpBenchScratch {
  tmp: string;
  redis: ThrowawayRedis;
  /** A connection of the bench's own, for INFO. */
  stats: Redis;
  /** Holds the lambda database (BIO_QUEUE_DB_DIR). */
  dbDir: string;
}

export async function httpBenchScratch(name: string, cleanup: Cleanup): Promise<HttpBenchScratch> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), `bioq-bench-${name}-`));
  cleanup.add('temp dir', () => fs.rm(tmp, { recursive: true, force: true }));
  const redis = await startThrowawayRedis(path.join(tmp, 'redis'));
  cleanup.add('redis-server', () => redis.stop(), redis.pid);
  const stats = new Redis(redis.url);
  cleanup.add('stats connection', async () => stats.disconnect());
  const dbDir = path.join(tmp, 'databases');
  await makeLambdaDatabase(dbDir);
  return { tmp, redis, stats, dbDir };
}

/** Jobs queued, running or delayed in every queue, as GET /queues/stats counts them for this key. */
export async function queuedJobs(http: LeanClient, key: string): Promise<number> {
  const res = await http.request('GET', '/queues/stats', { Authorization: `Bearer ${key}` });
  check(res.status === 200, `GET /queues/stats answered ${res.status}`);
  const stats = JSON.parse(res.text) as { queues: { counts: { queued: number; running: number; delayed: number } }[] };
  return stats.queues.reduce((n, q) => n + q.counts.queued + q.counts.running + q.counts.delayed, 0);
}
