// Closing a Redis client (ioredis QUIT, a BullMQ queue, worker or event reader) waits for Redis
// to answer; with Redis down, ioredis keeps reconnecting and the close never ends. So every
// close that talks to Redis is given a time, and past it the connection is dropped instead.
import type { Logger } from '../logger.js';

/** How long an orderly close of Redis connections may take before they are dropped. */
export const REDIS_CLOSE_MS = 2000;

export interface Closable {
  /** The orderly close (QUIT, BullMQ's close). */
  close(): Promise<unknown>;
  /** Drops the connection now, without waiting for Redis. */
  drop(): unknown;
}

// Resolves when `what` has closed, or after `ms` once it has been dropped: never later, never
// rejecting, whatever Redis does. A failed close is a debug line; a late one a warning.
export async function closeWithin(ms: number, label: string, what: Closable, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const closed = what.close().then(
    () => 'closed' as const,
    (err: unknown) => {
      log.debug({ err }, `closing ${label} failed; dropping the connection`);
      return 'failed' as const;
    },
  );
  const outcome = await Promise.race([closed, late]);
  clearTimeout(timer);
  if (outcome === 'closed') return;
  if (outcome === 'late') log.warn({ ms }, `closing ${label} took too long (is Redis down?): dropping the connection`);
  // Dropping is synchronous in ioredis, but BullMQ's disconnect() may wait on a close already
  // stuck: it gets a moment, not a wait.
  let dropTimer: NodeJS.Timeout | undefined;
  const dropped = Promise.resolve()
    .then(() => what.drop())
    .catch((err: unknown) => log.debug({ err }, `dropping ${label} failed`));
  await Promise.race([dropped, new Promise<void>((resolve) => (dropTimer = setTimeout(resolve, DROP_WAIT_MS)))]);
  clearTimeout(dropTimer);
}

const DROP_WAIT_MS = 200;
