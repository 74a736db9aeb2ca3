// BIO_QUEUE_RATE_LIMITS for the queues a worker serves: BullMQ's Worker limiter, whose count lives
// in Redis per queue, so every worker of a queue shares it (given the same setting). The format
// was checked by src/config.ts; the queue names are checked here against the catalog, as
// BIO_QUEUE_QUEUES is, and a tool's name is answered with its queue's.
import type { QueueRateLimit } from '../src/config.js';
import { findTool, QUEUE_NAMES } from '../tools/index.js';

/** Throws naming the first unknown queue; otherwise the limiter option of each limited queue. */
export function queueLimiters(limits: Readonly<Record<string, QueueRateLimit>>): ReadonlyMap<string, { max: number; duration: number }> {
  const limiters = new Map<string, { max: number; duration: number }>();
  for (const [queue, limit] of Object.entries(limits)) {
    if (!QUEUE_NAMES.includes(queue)) {
      const tool = findTool(queue);
      const hint = tool ? ` ("${queue}" is a tool; its queue is "${tool.queue}")` : '';
      throw new Error(`BIO_QUEUE_RATE_LIMITS: unknown queue "${queue}"${hint}; the queues are: ${QUEUE_NAMES.join(', ')}`);
    }
    limiters.set(queue, { max: limit.max, duration: limit.durationMs });
  }
  return limiters;
}
