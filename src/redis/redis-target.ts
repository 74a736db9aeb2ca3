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

// Workers block on Redis and must ride out a blip: BullMQ needs maxRetriesPerRequest: null on
// their connections, so commands wait for the reconnect. A server answering a tool call must
// not hang on a Redis that is down: its commands give up after a few reconnect attempts and
// the caller gets "Redis is not reachable" at once.
export function connectRedis(target: RedisTarget, connectionName: string, role: 'worker' | 'server' = 'worker'): Redis {
  const options = { maxRetriesPerRequest: role === 'worker' ? null : 3, connectionName, lazyConnect: false } as const;
  const redis = target.kind === 'url' ? new Redis(target.url, options) : new Redis({ ...options, path: target.path });
  // Reconnects are ioredis's job; without a listener an outage would print unhandled errors.
  redis.on('error', () => undefined);
  return redis;
}

export function describeRedisTarget(target: RedisTarget): string {
  if (target.kind === 'socket') return `unix:${target.path}`;
  const url = new URL(target.url);
  if (url.password) url.password = '***';
  return url.toString();
}
