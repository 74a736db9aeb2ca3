// One BullMQ queue per tool family, with the retry and retention rules every job gets.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { JOB_QUEUE_NAMES } from '../../tools/index.js';
import type { JobData, JobReturn } from './job-model.js';

export type JobQueue = Queue<JobData, JobReturn>;
export type JobQueues = ReadonlyMap<string, JobQueue>;

/**
 * The retry rules every job gets: the queues' defaults, and given to each job of a flow
 * (FlowProducer does not read queue defaults). BullMQ keeps them in each job's opts.
 */
export function jobDefaults(config: Pick<Config, 'maxAttempts' | 'retryBackoffMs'>) {
  return {
    // Only infrastructure failures come back for another attempt: input and tool errors
    // are thrown as UnrecoverableError by the worker.
    attempts: config.maxAttempts,
    backoff: { type: 'exponential', delay: config.retryBackoffMs },
  };
}

/**
 * How long an ended job is kept: given to every Worker of the job queues, not to each job, since
 * BullMQ reads a worker's removeOnComplete/removeOnFail for a job whose opts have none. In each
 * job's opts they cost ~60 bytes of Redis a queued job (bench/deep-queue.ts). A job ended some
 * other way (failed by the stalled check, a pipeline failed by its step) is removed by the
 * retention sweep once older than the retention time, as any job whose end no worker saw.
 */
export function jobRetention(config: Pick<Config, 'retentionMs'>) {
  const retentionSeconds = Math.ceil(config.retentionMs / 1000);
  return { removeOnComplete: { age: retentionSeconds }, removeOnFail: { age: retentionSeconds } };
}

export function openJobQueues(config: Config, connection: Redis, log: Logger): JobQueues {
  const queues = new Map<string, JobQueue>();
  for (const name of JOB_QUEUE_NAMES) {
    const queue = new Queue<JobData, JobReturn>(name, {
        connection,
        prefix: config.prefix,
        defaultJobOptions: jobDefaults(config),
      });
    // Without a listener BullMQ prints connection errors to the console; they belong in the log.
    queue.on('error', (err) => log.warn({ err, queue: name }, 'queue connection error'));
    queues.set(name, queue);
  }
  return queues;
}

/** BullMQ runs priority 1 first; ours is 1-10 with 10 first. */
export function bullPriority(priority: number): number {
  return 11 - priority;
}

export async function closeJobQueues(queues: JobQueues): Promise<void> {
  await Promise.all([...queues.values()].map((q) => q.close()));
}

/** Drops the queues' connections at once, for a close that Redis does not answer. */
export async function disconnectJobQueues(queues: JobQueues): Promise<void> {
  await Promise.all([...queues.values()].map((q) => q.disconnect()));
}
