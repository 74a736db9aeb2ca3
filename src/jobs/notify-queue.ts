// The `notify` queue: one BullMQ job per job whose end is to be announced, so a notification
// lives in Redis, survives restarts, and is retried with backoff by whichever server takes it
// (notify-delivery.ts). Its id is derived from the announced job's, so every observer of the end
// may add it and BullMQ keeps one (an id it already holds is ignored) for as long as jobs are kept.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { JobData } from './job-model.js';

export const NOTIFY_QUEUE = 'notify';
/** Deliveries tried before one is given up: with the default 5 s first delay, about 42 minutes of trying. */
export const NOTIFY_ATTEMPTS = 10;

export interface NotifyJobData {
  /** The job whose end is announced (a pipeline's or split search's own job, never a step or part). */
  job_id: string;
  url: string;
}

export type NotifyQueue = Queue<NotifyJobData>;

export function notifyJobId(jobId: string): string {
  return `notify-${jobId}`;
}

export function openNotifyQueue(config: Pick<Config, 'prefix'>, connection: Redis, log: Logger): NotifyQueue {
  const queue = new Queue<NotifyJobData>(NOTIFY_QUEUE, { connection, prefix: config.prefix });
  // Without a listener BullMQ prints connection errors to the console; they belong in the log.
  queue.on('error', (err) => log.warn({ err, queue: NOTIFY_QUEUE }, 'queue connection error'));
  return queue;
}

/**
 * Called where a job's end is recorded: a worker's completed/failed event (the one process whose
 * BullMQ call recorded it; worker/start-worker.ts says why that is every end) and the cancel of a
 * job removed before it ran (no worker ever sees it). Never throws: a lost notification is logged.
 */
export async function announceJobEnd(
  deps: { queue: Pick<NotifyQueue, 'add'>; config: Pick<Config, 'retryBackoffMs' | 'retentionMs'>; log: Logger },
  jobId: string,
  data: Pick<JobData, 'notify_url'>,
): Promise<void> {
  if (data.notify_url === undefined) return;
  const retentionSeconds = Math.ceil(deps.config.retentionMs / 1000);
  try {
    await deps.queue.add(
      NOTIFY_QUEUE,
      { job_id: jobId, url: data.notify_url },
      {
        jobId: notifyJobId(jobId),
        attempts: NOTIFY_ATTEMPTS,
        backoff: { type: 'exponential', delay: deps.config.retryBackoffMs },
        removeOnComplete: { age: retentionSeconds },
        removeOnFail: { age: retentionSeconds },
      },
    );
  } catch (err) {
    deps.log.warn({ err, jobId }, 'could not queue the notification of a job\'s end; it is not sent');
  }
}
