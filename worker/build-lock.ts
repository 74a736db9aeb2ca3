// A lock shared by every worker on the same Redis, so two jobs that need the same new reference
// index build it once: one builds, the others wait and then reuse it. The lock expires unless
// its holder keeps renewing it, so a worker that dies mid-build frees it for the next one.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/logger.js';
import { setIfAbsent } from '../src/redis/set-if-absent.js';

export interface HeldLock {
  release(): Promise<void>;
}

export interface BuildLocks {
  /** The lock, or undefined while someone else holds it. */
  tryAcquire(name: string): Promise<HeldLock | undefined>;
}

export interface BuildLockOptions {
  /** How long a lock outlives a holder that stopped renewing it (a dead worker). */
  ttlMs?: number;
}

const TTL_MS = 30_000;
// Only the holder may renew or release: compare the token first.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function redisBuildLocks(redis: Redis, prefix: string, log: Logger, options: BuildLockOptions = {}): BuildLocks {
  const ttl = options.ttlMs ?? TTL_MS;
  return {
    async tryAcquire(name) {
      const key = buildLockKey(prefix, name);
      const token = randomBytes(12).toString('hex');
      // A lock found holding our own token (a SET sent again after a lost reply) is ours: taken for
      // another worker's, the build would wait out its own lock.
      if (!(await setIfAbsent(redis, key, token, ttl)).set) return undefined;
      // Renewed at a third of its life, so two missed renewals still leave it held.
      const renew = setInterval(() => {
        redis.eval(RENEW, 1, key, token, String(ttl)).catch((err: unknown) => log.warn({ err, key }, 'could not renew a build lock'));
      }, ttl / 3);
      renew.unref();
      return {
        async release() {
          clearInterval(renew);
          // A lock we fail to release expires on its own within TTL_MS; the build itself is done.
          await redis.eval(RELEASE, 1, key, token).catch((err: unknown) => log.warn({ err, key }, 'could not release a build lock; it expires by itself'));
        },
      };
    },
  };
}

export function buildLockKey(prefix: string, name: string): string {
  return `${prefix}:build-lock:${name}`;
}

/**
 * Makes sure something is built once: returns 'reused' when isDone() already holds, else builds
 * under the lock (checking again once it holds it) and returns 'built'. While another worker
 * holds the lock it waits, calling onWait once, until that build is done or the lock is free.
 */
export async function buildOnce(
  locks: BuildLocks,
  name: string,
  isDone: () => Promise<boolean>,
  build: () => Promise<void>,
  options: { signal?: AbortSignal | undefined; onWait?: () => Promise<void> | void; pollMs?: number },
): Promise<'reused' | 'built'> {
  let waited = false;
  for (;;) {
    if (await isDone()) return 'reused';
    const held = await locks.tryAcquire(name);
    if (held) {
      try {
        if (await isDone()) return 'reused';
        await build();
        return 'built';
      } finally {
        await held.release();
      }
    }
    if (!waited) {
      waited = true;
      await options.onWait?.();
    }
    await sleep(options.pollMs ?? 250, undefined, options.signal ? { signal: options.signal } : {});
  }
}
