// With S3 storage a path input is copied into the bucket at submit (a worker may be on another
// machine); that copy must not outlive its job. Against a real S3-compatible server and a real
// worker: after a job completes, fails for good, is cancelled while queued or while running,
// nothing of its staged inputs is left in the store, and the retention sweep removes what a
// dying worker would have left. The owner's stored bytes follow: results counted, staged
// inputs released.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/jobs/caller.js';
import { ownerUsage } from '../../src/jobs/owner-usage.js';
import { closeJobQueues, openJobQueues } from '../../src/jobs/job-queues.js';
import { sweepOnce } from '../../src/jobs/retention-sweep.js';
import { connectRedis } from '../../src/redis/redis-target.js';
import { startLocalServer, type LocalServer } from '../inputs/local-http-server.js';
import { FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const ALICE: Caller = { owner: 'alice', admin: false, remote: true };
const BUCKET = 'staged-end';

let s3: S3Server;
let h: Harness;
let stall: LocalServer;
let query: string;
let redis: ReturnType<typeof connectRedis>;

// Whether anything of the job's staged inputs is in the bucket.
async function stagedIn(jobId: string): Promise<boolean> {
  return (await h.runtime.store.stagedInputJobs()).includes(jobId);
}

async function ended(jobId: string): Promise<string> {
  for (;;) {
    const { status, timed_out } = await h.runtime.jobs.wait(jobId, ALICE, 20);
    if (!timed_out) return status.status;
  }
}

// The worker removes staged inputs right after BullMQ records the end: allow it a moment.
async function eventuallyGone(jobId: string): Promise<void> {
  for (let i = 0; i < 100 && (await stagedIn(jobId)); i++) await new Promise((r) => setTimeout(r, 100));
  expect(await stagedIn(jobId)).toBe(false);
}

async function until(jobId: string, wanted: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await h.runtime.jobs.status(jobId, ALICE)).status === wanted) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${jobId} never became ${wanted}`);
}

beforeAll(async () => {
  s3 = await startS3Server();
  // Answers headers, then never sends the body: a job staging this URL stays running until cancelled.
  stall = await startLocalServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('>stalled\n');
  });
  h = await startHarness({ env: { ...s3.env(BUCKET), BIO_QUEUE_ALLOW_PRIVATE_URLS: 'true', BIO_QUEUE_WORKER_CONCURRENCY: '1' } });
  redis = connectRedis(h.runtime.target, 'staged-end-test');
  query = path.join(h.inputsDir, 'query.fa');
  await fs.copyFile(path.join(FIXTURES, 'lambda_queries.fa'), query);
});

afterAll(async () => {
  redis?.disconnect();
  await h?.close();
  await stall?.close();
  await s3?.remove();
});

describe('staged inputs end with their job', () => {
  it('go when the job completes, and its results count against the owner', async () => {
    const usage = ownerUsage(redis, h.config.prefix, h.config.retentionMs, undefined);
    const job = await h.runtime.jobs.submit('seqkit_stats', { sequences: [query] }, { priority: 5, caller: ALICE });
    expect(await stagedIn(job.job_id)).toBe(true);
    expect((await usage.used('alice')).bytes).toBe((await fs.stat(query)).size);
    expect(await ended(job.job_id)).toBe('completed');
    await eventuallyGone(job.job_id);
    const result = await h.runtime.jobs.result(job.job_id, ALICE);
    const resultBytes = result.files.reduce((sum, f) => sum + f.size_bytes, 0);
    expect(resultBytes).toBeGreaterThan(0);
    expect((await usage.used('alice')).bytes).toBe(resultBytes);
  });

  it('go when the job fails for good', async () => {
    const notSequences = path.join(h.inputsDir, 'notes.txt');
    await fs.writeFile(notSequences, 'these are notes, not sequences\n');
    const job = await h.runtime.jobs.submit('seqkit_stats', { sequences: [notSequences] }, { priority: 5, caller: ALICE });
    expect(await stagedIn(job.job_id)).toBe(true);
    expect(await ended(job.job_id)).toBe('failed');
    await eventuallyGone(job.job_id);
  });

  it('go when the job is cancelled while queued and while running', async () => {
    // The first job holds the only worker slot, staging a URL that never ends; the second waits behind it.
    const running = await h.runtime.jobs.submit('seqkit_stats', { sequences: [query, `${stall.origin}/reads.fa`] }, { priority: 5, caller: ALICE });
    await until(running.job_id, 'running');
    const queued = await h.runtime.jobs.submit('seqkit_stats', { sequences: [query] }, { priority: 5, caller: ALICE });
    expect((await h.runtime.jobs.status(queued.job_id, ALICE)).status).toBe('queued');
    expect(await stagedIn(queued.job_id)).toBe(true);
    expect(await stagedIn(running.job_id)).toBe(true);

    expect((await h.runtime.jobs.cancel(queued.job_id, ALICE)).status).toBe('cancelled');
    expect(await stagedIn(queued.job_id)).toBe(false); // the cancel itself removed them

    await h.runtime.jobs.cancel(running.job_id, ALICE);
    expect(await ended(running.job_id)).toBe('cancelled');
    await eventuallyGone(running.job_id);
  });

  it('left behind by a worker that died are removed by the retention sweep once the job has ended', async () => {
    const job = await h.runtime.jobs.submit('seqkit_stats', { sequences: [query] }, { priority: 5, caller: ALICE });
    expect(await ended(job.job_id)).toBe('completed');
    await eventuallyGone(job.job_id);
    // What a worker killed between the job's end and its clean-up leaves: the copy, still there.
    await h.runtime.store.stageInput(job.job_id, 'sequences-0', query);
    expect(await stagedIn(job.job_id)).toBe(true);
    const queues = openJobQueues(h.config, redis, h.runtime.log);
    try {
      expect(await sweepOnce(h.config, queues, h.runtime.store, redis)).toMatchObject({ stagedInputs: 1 });
    } finally {
      await closeJobQueues(queues);
    }
    expect(await stagedIn(job.job_id)).toBe(false);
  });
});
