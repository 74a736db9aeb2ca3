// What a worker adds to the lab's job metrics in Redis (src/jobs/job-metrics-store.ts), from
// BullMQ's own events: the queue wait when a job first starts, and at its end (a retry still to
// come is no end) its run time, its failure's code, and the bytes of the files it stored.
// Recording is best effort: a Redis blip loses one job's numbers, never the job.
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { decodeStoredError } from '../src/errors.js';
import type { JobData, JobReturn } from '../src/jobs/job-model.js';
import { increment, jobMetricsKeys, MetricAdditions, observe, RUN_SECONDS_BUCKETS, WAIT_SECONDS_BUCKETS } from '../src/jobs/job-metrics-store.js';
import type { Logger } from '../src/logger.js';
import { PIPELINE_QUEUE } from '../tools/define-pipeline.js';

export function recordJobMetrics(worker: Worker<JobData, JobReturn>, redis: Redis, prefix: string, log: Logger): void {
  const keys = jobMetricsKeys(prefix);
  const send = (jobId: string | undefined, fill: (additions: MetricAdditions) => void) => {
    const additions = new MetricAdditions();
    fill(additions);
    additions.send(redis).catch((err: unknown) => log.debug({ err, jobId }, 'could not record the job\'s metrics'));
  };

  worker.on('active', (job) => {
    if (!waitsInQueue(job)) return;
    const waited = ((job.processedOn ?? Date.now()) - job.timestamp) / 1000;
    send(job.id, (additions) => observe(additions, keys.wait, WAIT_SECONDS_BUCKETS, { queue: job.queueName }, Math.max(0, waited)));
  });

  worker.on('completed', (job, returned) => {
    send(job.id, (additions) => {
      observe(additions, keys.run, RUN_SECONDS_BUCKETS, { queue: job.queueName, tool: job.data.tool, status: 'completed' }, runSeconds(job));
      // A split search's parts are merged into its own files and removed: counted once, there.
      if (job.data.parent?.part || !returned) return;
      const labels = { queue: job.queueName, tool: job.data.tool };
      increment(additions, keys.stored, { ...labels, what: 'files' }, returned.files.length);
      increment(additions, keys.stored, { ...labels, what: 'bytes' }, returned.files.reduce((sum, f) => sum + f.size_bytes, 0));
    });
  });

  worker.on('failed', (job) => {
    if (job?.finishedOn === undefined) return;
    const code = decodeStoredError(job.failedReason)?.code ?? 'infrastructure';
    const status = code === 'cancelled' ? 'cancelled' : 'failed';
    send(job.id, (additions) => {
      observe(additions, keys.run, RUN_SECONDS_BUCKETS, { queue: job.queueName, tool: job.data.tool, status }, runSeconds(job));
      increment(additions, keys.failures, { queue: job.queueName, tool: job.data.tool, code });
    });
  });
}

// The last attempt's run, from its start to its end.
function runSeconds(job: Job<JobData, JobReturn>): number {
  return Math.max(0, ((job.finishedOn ?? Date.now()) - (job.processedOn ?? job.timestamp)) / 1000);
}

// Queue wait is from submit to the first start. A pipeline's later step and the pipeline's own
// job wait for the steps before them, not for a worker, and a retry waits for its backoff: none
// of those says how long the queue kept a job.
function waitsInQueue(job: Job<JobData, JobReturn>): boolean {
  if (job.queueName === PIPELINE_QUEUE) return false;
  if (job.attemptsStarted > 1 || job.attemptsMade > 0) return false;
  const parent = job.data.parent;
  return !parent || parent.part === true || parent.step === 0;
}
