// A job whose worker is busy for many times the lock duration keeps its lock and runs once. The
// worker here runs in this process with a 1 s lock; its blastn's summary is made deliberately
// heavy (the real summary after 8 s of synchronous work, as a large output parsed on the event
// loop would be), so BullMQ's own renewal, on the same loop, cannot run. A second worker
// process serves the same queue meanwhile: had the lock lapsed, its stalled check would hand
// it the job for a second run.
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, REPO, startHarness, waitDone, type Harness } from '../support/harness.js';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';
import { findTool } from '../../tools/index.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const LOCK_SECONDS = 1;
const BLOCKED_MS = 8_000;

let h: Harness;
let workload: SyntheticWorkload;
let other: ResultPromise | undefined;

beforeAll(async () => {
  h = await startHarness({ env: { BIO_QUEUE_STALLED_SECONDS: String(LOCK_SECONDS) } });
  workload = await writeSyntheticWorkload(path.join(h.inputsDir, 'w'), { genomeBases: 1_000_000, reads: 1000, readLength: 250 });
  const build = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { input: workload.genomePath, name: 'synthetic', dbtype: 'nucl' });
  expect((await waitDone(h.client, build.job_id)).status).toBe('completed');
});

afterAll(async () => {
  other?.kill('SIGKILL');
  await other;
  await h?.close();
});

describe('a worker whose event loop is blocked', () => {
  it('keeps the job it runs: one attempt, no stall, no second run', async () => {
    const blastn = findTool('blastn')!;
    const summarize = blastn.summarize;
    let summaries = 0;
    blastn.summarize = (params, outputs, inputs) => {
      summaries += 1;
      const until = Date.now() + BLOCKED_MS;
      while (Date.now() < until); // the event loop, blocked
      return summarize(params, outputs, inputs);
    };
    let otherLog = '';
    try {
      const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: workload.readsPath, database: 'synthetic', task: 'blastn' });
      for (;;) {
        const s = await callOk<{ status: string }>(h.client, 'get_job_status', { job_id });
        if (s.status === 'running') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      // The other worker starts once ours holds the job, so only a stall can give it the job.
      other = execa(process.execPath, [MAIN, 'worker', '--queues', 'blast'], { env: { ...h.env, BIO_QUEUE_LOG_LEVEL: 'info' }, stdin: 'ignore', reject: false });
      other.stderr!.on('data', (chunk: Buffer) => (otherLog += chunk.toString()));
      for (let waited = 0; !otherLog.includes('worker ready'); waited += 50) {
        if (waited > 60_000) throw new Error(`the other worker did not start: ${otherLog}`);
        await new Promise((r) => setTimeout(r, 50));
      }

      const done = await waitDone(h.client, job_id);
      expect(done.status).toBe('completed');
      expect(summaries).toBe(1);
      // A few stalled checks of the other worker after the block, to be sure none fires late.
      await new Promise((r) => setTimeout(r, 3 * LOCK_SECONDS * 1000));
      expect(otherLog).not.toContain(job_id);
      const redis = new Redis(h.env.BIO_QUEUE_REDIS_URL!);
      const queue = new Queue('blast', { connection: redis, prefix: h.config.prefix });
      try {
        const job = (await queue.getJob(job_id))!;
        expect(job.stalledCounter).toBe(0);
        expect(job.attemptsStarted).toBe(1);
        expect(job.attemptsMade).toBe(1); // BullMQ counts the finished attempt
        expect(await job.getState()).toBe('completed');
      } finally {
        await queue.close();
        redis.disconnect();
      }
    } finally {
      blastn.summarize = summarize;
    }
  });
});
