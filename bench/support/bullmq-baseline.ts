// The baseline: the same jobs on raw BullMQ, with no MCP, no validation and no job model. One
// queue only receives adds; on the other a BullMQ Worker in this process runs the tiny BLAST and
// the producer waits through QueueEvents, BullMQ's own way to learn that a job finished.
import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { runTinyBlast, type TinyBlast } from './tiny-blast.js';

export interface RedisAddress {
  host: string;
  port: number;
}

// The options every job of the server gets (src/jobs/job-queues.ts), and priority 5 → BullMQ 6,
// so each add runs the same Lua script (a prioritized add) as a real submission.
const JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
  priority: 6,
};

// A payload of the same shape and size as the server's JobData for an inline query.
function jobData(queryText: string) {
  return {
    tool: 'blastn',
    params: { query: `inline FASTA (${Buffer.byteLength(queryText)} bytes)`, database: 'lambda', task: 'megablast', evalue: 10, max_target_seqs: 500, output_format: 'tabular' },
    inputs: { query: { kind: 'inline', text: queryText } },
    priority: 5,
    owner: 'bench',
    submitted_at: new Date().toISOString(),
  };
}

const newJobId = () => `blast-${randomBytes(8).toString('hex')}`;

export interface BaselineRun {
  hitLines: number;
  /** timestamp → processedOn, processedOn → finishedOn, finishedOn → the producer knows (ms). */
  queueWait: number;
  processor: number;
  afterFinish: number;
}

export interface BullmqBaseline {
  /** One queue.add; resolves when BullMQ has the job. */
  add(queryText: string): Promise<void>;
  /** Jobs waiting in the add-only queue. */
  addedCount(): Promise<number>;
  /** Needs start(): add → the worker runs the tiny BLAST → completion seen through QueueEvents. */
  runOnce(queryText: string, timing: (run: () => Promise<number>) => Promise<number>): Promise<BaselineRun>;
  /** Starts the worker and the event listener with the blastn argv to run. */
  start(blast: Omit<TinyBlast, 'queryText'>): Promise<void>;
  close(): Promise<void>;
}

export function openBullmqBaseline(redis: RedisAddress, prefix: string): BullmqBaseline {
  const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
  const addQueue = new Queue('blast-add-only', { connection, prefix });
  const runQueue = new Queue('blast-run', { connection, prefix });
  let events: QueueEvents | undefined;
  let worker: Worker | undefined;
  return {
    async add(queryText) {
      await addQueue.add('blastn', jobData(queryText), { ...JOB_OPTIONS, jobId: newJobId() });
    },
    async addedCount() {
      const counts = await addQueue.getJobCounts('prioritized', 'waiting');
      return (counts.prioritized ?? 0) + (counts.waiting ?? 0);
    },
    async start(blast) {
      events = new QueueEvents('blast-run', { connection, prefix });
      worker = new Worker(
        'blast-run',
        async (job) => (await runTinyBlast({ ...blast, queryText: job.data.inputs.query.text as string })).length,
        { connection, prefix, concurrency: 1 },
      );
      await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
    },
    async runOnce(queryText, timing) {
      if (!events) throw new Error('BullmqBaseline.start() first');
      const queueEvents = events;
      const jobId = newJobId();
      const hitLines = await timing(async () => {
        const job = await runQueue.add('blastn', jobData(queryText), { ...JOB_OPTIONS, jobId });
        return (await job.waitUntilFinished(queueEvents, 60_000)) as number;
      });
      const known = Date.now();
      const job = await runQueue.getJob(jobId);
      if (job?.processedOn === undefined || job.finishedOn === undefined) throw new Error(`BullMQ baseline: job ${jobId} lacks its timestamps`);
      return { hitLines, queueWait: job.processedOn - job.timestamp, processor: job.finishedOn - job.processedOn, afterFinish: known - job.finishedOn };
    },
    async close() {
      await worker?.close();
      await events?.close();
      await Promise.all([addQueue.close(), runQueue.close()]);
    },
  };
}
