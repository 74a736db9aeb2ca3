// Delivers the `notify` queue's notifications from a server process (serve or stdio): the body
// is the job's status as JobService reads it — the same answer GET /jobs/{id}/status gives,
// tombstones of jobs cancelled while queued included — with REST links on this server's public
// URL. A failed POST is thrown back to BullMQ, which tries again with exponential backoff
// (notify-queue.ts); a job that does not read as ended yet is read again at the next attempt.
import { UnrecoverableError, Worker } from 'bullmq';
import type { Config } from '../config.js';
import { BioQueueError } from '../errors.js';
import type { Logger } from '../logger.js';
import { connectRedis, type RedisTarget } from '../redis/redis-target.js';
import type { Caller } from './caller.js';
import type { JobService } from './job-service.js';
import { hasEnded, notificationBody } from './notify-body.js';
import { postNotification } from './notify-post.js';
import { NOTIFY_QUEUE, type NotifyJobData } from './notify-queue.js';

/** How long a receiver has to answer one POST. */
export const NOTIFY_TIMEOUT_MS = 10_000;
// Reads any owner's job: the notification was asked for by its owner at submit.
const NOTIFIER: Caller = Object.freeze({ owner: 'notify', admin: true, remote: false });

export interface NotifyDeliveryOptions {
  config: Pick<Config, 'prefix' | 'notifySecret' | 'allowPrivateUrls'>;
  target: RedisTarget;
  jobs: Pick<JobService, 'status'>;
  publicUrl: string | undefined;
  log: Logger;
}

export interface NotifyDelivery {
  close(): Promise<void>;
  disconnect(): Promise<void>;
}

export function startNotifyDelivery({ config, target, jobs, publicUrl, log }: NotifyDeliveryOptions): NotifyDelivery {
  const connection = connectRedis(target, 'bio-mcp-queue:notify');
  const worker = new Worker<NotifyJobData>(
    NOTIFY_QUEUE,
    async (job) => {
      const { job_id: jobId, url } = job.data;
      const status = await jobs.status(jobId, NOTIFIER).catch((err: unknown) => {
        if (err instanceof BioQueueError && err.code === 'not_found') throw new UnrecoverableError(`job ${jobId} is gone; nothing to announce`);
        throw err;
      });
      if (!hasEnded(status)) throw new Error(`job ${jobId} has not ended yet (${status.status}); read again at the next attempt`);
      // Another server may hold the secret this one lacks: tried again rather than given up.
      if (config.notifySecret === undefined) throw new Error('BIO_QUEUE_NOTIFY_SECRET is not set on this server: cannot sign the notification');
      const body = notificationBody(status, publicUrl);
      try {
        await postNotification({
          url,
          body: JSON.stringify(body),
          secret: config.notifySecret,
          allowPrivate: config.allowPrivateUrls,
          timeoutMs: NOTIFY_TIMEOUT_MS,
          // The delivery id stays the same across attempts: a receiver drops a repeat by it.
          headers: { 'X-Bio-Queue-Event': body.event, 'X-Bio-Queue-Delivery': job.id! },
        });
      } catch (err) {
        if (err instanceof BioQueueError && !err.retryable) throw new UnrecoverableError(err.message);
        throw err;
      }
      log.info({ jobId, attempt: job.attemptsMade + 1 }, 'notification delivered');
    },
    { connection, prefix: config.prefix, concurrency: 8 },
  );
  worker.on('error', (err) => log.error({ err, queue: NOTIFY_QUEUE }, 'worker error'));
  worker.on('failed', (job, err) => {
    const jobId = job?.data.job_id;
    if (job?.finishedOn !== undefined) log.warn({ jobId, err: err.message }, 'notification given up');
    else log.info({ jobId, err: err.message, attempt: job?.attemptsMade }, 'notification not delivered; trying again later');
  });
  return {
    async close() {
      await worker.close();
      await connection.quit();
    },
    async disconnect() {
      await worker.disconnect();
      connection.disconnect();
    },
  };
}
