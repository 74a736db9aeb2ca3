// The hand-written baseline for many jobs: a BullMQ Worker with the given concurrency in this
// process runs the tiny BLAST for each job, the way a lab's own script would; a batch is N adds
// by one producer, then every completion seen through QueueEvents.
import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';
import type { RedisAddress } from './bullmq-baseline.js';
import { runTinyBlast, type TinyBlast } from './tiny-blast.js';

// The options every job of the server gets (src/jobs/job-queues.ts), as in bullmq-baseline.ts.
const JOB_OPTIONS = { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 }, priority: 6 };

export interface BatchRun {
  wallMs: number;
  /** processedOn → finishedOn of each job (ms). */
  processor: number[];
}

export interface BullmqBatch {
  start(): Promise<void>;
  /** N jobs added one after another, then waited for; each must have found `hits` lines. */
  runBatch(jobs: number): Promise<BatchRun>;
  close(): Promise<void>;
}

export function openBullmqBatch(redis: RedisAddress, prefix: string, blast: TinyBlast, concurrency: number): BullmqBatch {
  const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue('blast-batch', { connection, prefix });
  const events = new QueueEvents('blast-batch', { connection, prefix });
  let worker: Worker | undefined;
  return {
    async start() {
      worker = new Worker('blast-batch', async (job) => (await runTinyBlast({ ...blast, queryText: job.data.query as string })).length, { connection, prefix, concurrency });
      await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
    },
    async runBatch(jobs) {
      const ids = new Set(Array.from({ length: jobs }, () => `blast-${randomBytes(8).toString('hex')}`));
      const ended = new Map<string, { ok: boolean; value: string }>();
      let allEnded!: () => void;
      const done = new Promise<void>((r) => (allEnded = r));
      const onEnd = (jobId: string, ok: boolean, value: string) => {
        if (!ids.has(jobId)) return;
        ended.set(jobId, { ok, value });
        if (ended.size === ids.size) allEnded();
      };
      const completed = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => onEnd(jobId, true, String(returnvalue));
      const failed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => onEnd(jobId, false, failedReason);
      events.on('completed', completed);
      events.on('failed', failed);
      try {
        const start = performance.now();
        for (const jobId of ids) await queue.add('blastn', { query: blast.queryText }, { ...JOB_OPTIONS, jobId });
        await done;
        const wallMs = performance.now() - start;
        const processor: number[] = [];
        for (const jobId of ids) {
          const outcome = ended.get(jobId)!;
          if (!outcome.ok) throw new Error(`hand-written BullMQ: job ${jobId} failed: ${outcome.value}`);
          if (outcome.value !== '1') throw new Error(`hand-written BullMQ: job ${jobId} found ${outcome.value} hit lines, expected 1`);
          const job = await queue.getJob(jobId);
          processor.push(job!.finishedOn! - job!.processedOn!);
        }
        return { wallMs, processor };
      } finally {
        events.off('completed', completed);
        events.off('failed', failed);
      }
    },
    async close() {
      await worker?.close();
      await events.close();
      await queue.close();
    },
  };
}
