// Wakes waiters as soon as something happens to their job, from BullMQ's event stream (one
// blocking reader per queue), so wait_for_job answers within milliseconds of a job finishing.
// Waiters still poll on a timer: an event can be missed across a Redis reconnect, and a
// cancelled queued job (removed, with a tombstone) is best confirmed by reading it.
import { QueueEvents } from 'bullmq';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { connectRedis, type RedisTarget } from '../redis/redis-target.js';
import { JOB_QUEUE_NAMES } from '../../tools/index.js';

const EVENTS = ['active', 'progress', 'completed', 'failed', 'removed', 'waiting', 'delayed'] as const;

/** Why a wait ended: the job's event (by BullMQ's name), the time passed, or the signal aborted. */
export type Wake = (typeof EVENTS)[number] | 'timer' | 'aborted';

/** The events after which a job may have ended: a waiter reads it again. The others only move it along. */
export const ENDING_WAKES: ReadonlySet<Wake> = new Set<Wake>(['completed', 'failed', 'removed', 'timer', 'aborted']);

export interface JobEvents {
  /** Resolves at the next event for the job, after `ms`, or when `signal` aborts, whichever is first, with which it was. */
  next(jobId: string, ms: number, signal?: AbortSignal): Promise<Wake>;
  close(): Promise<void>;
  /** Drops the readers' connections at once, for a close that Redis does not answer. */
  disconnect(): Promise<void>;
}

export async function openJobEvents(config: Config, target: RedisTarget, log: Logger): Promise<JobEvents> {
  const waiters = new Map<string, Set<(wake: Wake) => void>>();
  const wake = (jobId: string, event: Wake) => {
    const set = waiters.get(jobId);
    if (!set) return;
    waiters.delete(jobId);
    for (const resolve of set) resolve(event);
  };
  // BullMQ leaves a connection it was given open when it closes: these are closed here.
  const connections = JOB_QUEUE_NAMES.map((name) => connectRedis(target, `bio-mcp-queue:events:${name}`));
  const readers = JOB_QUEUE_NAMES.map((name, i) => {
    const events = new QueueEvents(name, { connection: connections[i]!, prefix: config.prefix });
    for (const event of EVENTS) events.on(event, (({ jobId }: { jobId: string }) => wake(jobId, event)) as never);
    events.on('error', (err) => log.warn({ err, queue: name }, 'job event stream error'));
    return events;
  });
  await Promise.all(readers.map((r) => r.waitUntilReady()));
  return {
    next(jobId, ms, signal) {
      return new Promise<Wake>((resolve) => {
        if (signal?.aborted) return resolve('aborted');
        const timer = setTimeout(() => done('timer'), ms);
        const aborted = () => done('aborted');
        signal?.addEventListener('abort', aborted, { once: true });
        function done(why: Wake) {
          clearTimeout(timer);
          signal?.removeEventListener('abort', aborted);
          waiters.get(jobId)?.delete(done);
          resolve(why);
        }
        let set = waiters.get(jobId);
        if (!set) waiters.set(jobId, (set = new Set()));
        set.add(done);
      });
    },
    async close() {
      for (const set of waiters.values()) for (const resolve of set) resolve('aborted');
      waiters.clear();
      await Promise.all(readers.map((r) => r.close()));
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
    async disconnect() {
      await Promise.all(readers.map((r) => r.disconnect()));
      for (const c of connections) c.disconnect();
    },
  };
}

/** For a JobService without an event stream: just the timer. */
export const timerOnly: JobEvents = {
  next: (_jobId, ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve('aborted');
      const done = (why: Wake) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        resolve(why);
      };
      const aborted = () => done('aborted');
      const timer = setTimeout(() => done('timer'), ms);
      signal?.addEventListener('abort', aborted, { once: true });
    }),
  close: async () => undefined,
  disconnect: async () => undefined,
};
