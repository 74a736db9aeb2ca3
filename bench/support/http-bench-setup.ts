// What the HTTP benches (http-load.ts, http-ab.ts) start from: a temp dir, a throwaway Redis with
// a connection to read its statistics, and the lambda BLAST database the submissions name; a
// `serve` child process without a worker, on them; and how many jobs a serve's queues hold, to
// check the submissions it accepted are there.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { Redis } from 'ioredis';
import { check } from './bench-checks.js';
import type { Cleanup } from './cleanup.js';
import { makeLambdaDatabase } from './lambda-database.js';
import type { LeanClient } from './lean-http-client.js';
import { freePort, startThrowawayRedis, type ThrowawayRedis } from './throwaway-redis.js';

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

export interface ServeChild {
  pid: number;
  /** http://127.0.0.1:<port> */
  base: string;
}

/**
 * `node [nodeArgs] <mainJs> serve --port <free> [serveArgs]` on the scratch's Redis and database,
 * with no worker, the API key `key` and warnings only on stderr; `env` adds to or overrides that.
 * Stopped (SIGTERM) by the cleanup; returns once it answers /health.
 */
export async function startServeChild(
  scratch: HttpBenchScratch,
  cleanup: Cleanup,
  options: { label: string; mainJs: string; key: string; nodeArgs?: string[]; serveArgs?: string[]; env?: Record<string, string> },
): Promise<ServeChild> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: scratch.tmp,
    BIO_QUEUE_REDIS_URL: scratch.redis.url,
    BIO_QUEUE_DATA_DIR: path.join(scratch.tmp, `data-${options.label}`),
    BIO_QUEUE_DB_DIR: scratch.dbDir,
    BIO_QUEUE_API_KEYS: `bench:${options.key}`,
    BIO_QUEUE_EMBEDDED_WORKER: 'false',
    BIO_QUEUE_LOG_LEVEL: 'warn',
    ...options.env,
  };
  const server: ResultPromise = execa(process.execPath, [...(options.nodeArgs ?? []), options.mainJs, 'serve', '--port', String(port), ...(options.serveArgs ?? [])], {
    env,
    extendEnv: false,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  cleanup.add(`serve ${options.label}`, async () => {
    server.kill('SIGTERM');
    await server.catch(() => undefined);
  }, server.pid);
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
    check(server.exitCode === null, `serve ${options.label} exited before answering /health`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { pid: server.pid!, base };
}

/** Jobs queued, running or delayed in every queue, as GET /queues/stats counts them for this key. */
export async function queuedJobs(http: LeanClient, key: string): Promise<number> {
  const res = await http.request('GET', '/queues/stats', { Authorization: `Bearer ${key}` });
  check(res.status === 200, `GET /queues/stats answered ${res.status}`);
  const stats = JSON.parse(res.text) as { queues: { counts: { queued: number; running: number; delayed: number } }[] };
  return stats.queues.reduce((n, q) => n + q.counts.queued + q.counts.running + q.counts.delayed, 0);
}
