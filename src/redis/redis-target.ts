// Which Redis this process talks to: the configured URL, or the private per-user redis-server
// on a unix socket (started on first use and shared by every local instance).
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { ensurePrivateRedis } from './private-redis.js';

export type RedisTarget = { kind: 'url'; url: string } | { kind: 'socket'; path: string };

export async function resolveRedisTarget(config: Config, log: Logger): Promise<RedisTarget> {
  if (config.redisUrl) return { kind: 'url', url: config.redisUrl };
  const { socketPath, started } = await ensurePrivateRedis({
    dataDir: config.dataDir,
    redisServerBin: config.redisServerBin,
    log,
  });
  log.info({ socketPath, started }, started ? 'started the private redis-server' : 'using the private redis-server');
  return { kind: 'socket', path: socketPath };
}

// BullMQ needs maxRetriesPerRequest: null on connections that block (workers, events);
// using it everywhere keeps commands queued through a short Redis blip instead of failing.
export function connectRedis(target: RedisTarget, connectionName: string): Redis {
  const options = { maxRetriesPerRequest: null, connectionName, lazyConnect: false } as const;
  return target.kind === 'url' ? new Redis(target.url, options) : new Redis({ ...options, path: target.path });
}

export function describeRedisTarget(target: RedisTarget): string {
  if (target.kind === 'socket') return `unix:${target.path}`;
  const url = new URL(target.url);
  if (url.password) url.password = '***';
  return url.toString();
}
