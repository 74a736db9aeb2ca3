// The worker's SET NX claims when Redis runs one and the reply is lost: a connection dropped just
// then (a Redis restart, a network blip) makes ioredis send the command again after reconnecting,
// and the second SET NX finds the key the first one set. Each claim must see that the key holds
// its own value. Through a proxy in front of the test run's real Redis that cuts the connection
// once Redis has answered (tests/support/reply-cutting-proxy.ts).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { JobReturn } from '../../src/jobs/job-model.js';
import { jobKeys } from '../../src/jobs/job-keys.js';
import { createLogger } from '../../src/logger.js';
import { buildLockKey, redisBuildLocks } from '../../worker/build-lock.js';
import { redisResultLedger } from '../../worker/publish-once.js';
import { startReplyCuttingProxy, type ReplyCuttingProxy } from '../support/reply-cutting-proxy.js';

let proxy: ReplyCuttingProxy;
let redis: Redis;
let prefix: string;

beforeEach(async () => {
  proxy = await startReplyCuttingProxy(inject('redisUrl'));
  // As a worker's connection: commands wait for the reconnect instead of failing.
  redis = new Redis(proxy.url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  prefix = `t${randomBytes(6).toString('hex')}`;
});

afterEach(async () => {
  redis.disconnect();
  await proxy.close();
});

const result: JobReturn = {
  summary: { hit_count: 1 },
  files: [{ name: 'hits.tsv', size_bytes: 92, sha256: 'a'.repeat(64), media_type: 'text/tab-separated-values', key: 'results/blast-x/hits.tsv' }],
  command: ['blastn', '-query', 'inputs/query.fa'],
  tool_version: '2.12.0+',
  exit_code: 0,
  runtime_seconds: 0.3,
  started_at: '2026-12-02T07:00:00.000Z',
  finished_at: '2026-12-02T07:00:00.300Z',
};

describe('the result ledger', () => {
  it('wins with its own result when its SET NX was sent again: its files are not discarded as a loser\'s', async () => {
    const ledger = redisResultLedger(redis, prefix, 60_000);
    proxy.cutReplyTo(jobKeys(prefix).published('blast-x'), '+OK\r\n');
    const published = await ledger.commit('blast-x', result);
    expect(proxy.timesSent(jobKeys(prefix).published('blast-x'))).toBeGreaterThanOrEqual(2);
    expect(published).toEqual({ won: true, result });
    expect(await ledger.published('blast-x')).toEqual(result);
  });

  it('still loses to another attempt\'s result', async () => {
    const ledger = redisResultLedger(redis, prefix, 60_000);
    const first = { ...result, runtime_seconds: 9 };
    expect((await ledger.commit('blast-y', first)).won).toBe(true);
    expect(await ledger.commit('blast-y', result)).toEqual({ won: false, result: first });
  });
});

describe('the build lock', () => {
  it('holds the lock when its SET NX was sent again, instead of waiting for its own lock to lapse', async () => {
    const locks = redisBuildLocks(redis, prefix, createLogger('silent'));
    proxy.cutReplyTo(buildLockKey(prefix, 'index'), '+OK\r\n');
    const lock = await locks.tryAcquire('index');
    expect(proxy.timesSent(buildLockKey(prefix, 'index'))).toBeGreaterThanOrEqual(2);
    expect(lock).toBeDefined();
    // Held: another worker's attempt gets nothing until it is released.
    expect(await locks.tryAcquire('index')).toBeUndefined();
    await lock!.release();
    const next = await locks.tryAcquire('index');
    expect(next).toBeDefined();
    await next!.release();
  });
});
