// The build lock on the test run's real Redis: one builder among racers, the others reuse; a
// lock whose holder died (stopped renewing) frees itself; a failed build frees it at once.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { buildLockKey, buildOnce, redisBuildLocks } from '../../worker/build-lock.js';

const log = createLogger('silent');
let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  prefix = `t${randomBytes(6).toString('hex')}`;
});
afterAll(async () => {
  await redis.quit();
});

describe('buildOnce', () => {
  it('builds once when five jobs race for the same new thing; the other four reuse it', async () => {
    const locks = redisBuildLocks(redis, prefix, log);
    let built = 0;
    let done = false;
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        buildOnce(
          locks,
          'race',
          async () => done,
          async () => {
            built += 1;
            await new Promise((r) => setTimeout(r, 200));
            done = true;
          },
          { pollMs: 20 },
        ),
      ),
    );
    expect(built).toBe(1);
    expect(outcomes.sort()).toEqual(['built', 'reused', 'reused', 'reused', 'reused']);
    expect(await redis.exists(buildLockKey(prefix, 'race'))).toBe(0);
  });

  it('takes over from a builder that died holding the lock, once the lock expires', async () => {
    // A dead worker's lock: set, never renewed.
    await redis.set(buildLockKey(prefix, 'orphan'), 'dead-worker', 'PX', 300);
    const waits: string[] = [];
    const outcome = await buildOnce(
      redisBuildLocks(redis, prefix, log, { ttlMs: 300 }),
      'orphan',
      async () => false,
      async () => undefined,
      { pollMs: 20, onWait: () => void waits.push('waiting') },
    );
    expect(outcome).toBe('built');
    expect(waits).toEqual(['waiting']);
  });

  it('frees the lock when the build fails, so the next job can try', async () => {
    const locks = redisBuildLocks(redis, prefix, log);
    await expect(buildOnce(locks, 'fails', async () => false, async () => Promise.reject(new Error('bwa index died')), {})).rejects.toThrow('bwa index died');
    expect(await redis.exists(buildLockKey(prefix, 'fails'))).toBe(0);
  });

  it('keeps renewing the lock while a build outlasts its time to live', async () => {
    const locks = redisBuildLocks(redis, prefix, log, { ttlMs: 150 });
    const held = await locks.tryAcquire('long');
    expect(held).toBeDefined();
    await new Promise((r) => setTimeout(r, 500));
    expect(await locks.tryAcquire('long')).toBeUndefined();
    await held!.release();
    expect(await redis.exists(buildLockKey(prefix, 'long'))).toBe(0);
  });
});
