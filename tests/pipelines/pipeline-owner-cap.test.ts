// A pipeline's steps count against BIO_QUEUE_MAX_RUNNING_PER_OWNER as any run does: with a cap of
// 1 and a blastn of the same owner running, qc_and_align waits, saying why, although its first
// step's queue has a free worker; then every step runs, none beside another run of the owner's.
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobReturn, JobStatus } from '../../src/jobs/job-model.js';
import { callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';
import { until } from '../support/worker-processes.js';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';

let h: Harness;
let redis: Redis;
let workload: SyntheticWorkload;

beforeAll(async () => {
  h = await startHarness({ env: { BIO_QUEUE_MAX_RUNNING_PER_OWNER: '1', BIO_QUEUE_WORKER_CONCURRENCY: '2' } });
  redis = new Redis(h.env.BIO_QUEUE_REDIS_URL!);
  // A blastn of several seconds: the pipeline is submitted while it runs.
  workload = await writeSyntheticWorkload(path.join(h.inputsDir, 'synthetic'), { genomeBases: 2_000_000, reads: 2000, readLength: 250 });
  const build = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { input: workload.genomePath, name: 'synthetic', dbtype: 'nucl' });
  expect((await waitDone(h.client, build.job_id)).status).toBe('completed');
}, 600_000);

afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

// When the job's tool ran, as its worker recorded it.
async function toolWindow(queue: string, jobId: string): Promise<{ id: string; from: number; to: number }> {
  const q = new Queue(queue, { connection: redis, prefix: h.config.prefix });
  try {
    const value = (await q.getJob(jobId))!.returnvalue as JobReturn;
    return { id: jobId, from: Date.parse(value.started_at), to: Date.parse(value.finished_at) };
  } finally {
    await q.close();
  }
}

describe('a pipeline under a cap of 1 running job per owner', () => {
  it('waits for the owner\'s running blastn, says why, then runs its steps one at a time', async () => {
    const blastn = (await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: workload.readsPath, database: 'synthetic', task: 'blastn' })).job_id;
    await until('the blastn to run', async () => ((await callOk<JobStatus>(h.client, 'get_job_status', { job_id: blastn })).status === 'running' ? true : undefined));
    const pipeline = (await callOk<{ job_id: string }>(h.client, 'qc_and_align_async', {
      reference: path.join(FIXTURES, 'lambda_virus.fa'),
      reads_1: path.join(FIXTURES, 'lambda_reads_1.fq.gz'),
      reads_2: path.join(FIXTURES, 'lambda_reads_2.fq.gz'),
    })).job_id;
    const held = await until('the pipeline\'s first step to be held back', async () => {
      const s = await callOk<JobStatus>(h.client, 'get_job_status', { job_id: pipeline });
      return s.progress.message === 'waiting: 1 of your jobs are running, cap 1 (BIO_QUEUE_MAX_RUNNING_PER_OWNER)' ? s : undefined;
    });
    expect(held.status).toBe('queued');
    expect(held.started_at).toBeNull();
    expect(held.steps!.map((s) => s.status)).toEqual(['queued', 'queued', 'queued']);

    const done = await waitDone(h.client, pipeline);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect((await waitDone(h.client, blastn)).status).toBe('completed');
    const steps = (done as unknown as JobStatus).steps!;
    const windows = [await toolWindow('blast', blastn), ...(await Promise.all(steps.map((s) => toolWindow(s.job_id.split('-')[0]!, s.job_id))))].sort((a, b) => a.from - b.from);
    expect(windows[0]!.id).toBe(blastn);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.from, `${windows[i]!.id} started before ${windows[i - 1]!.id} ended`).toBeGreaterThanOrEqual(windows[i - 1]!.to);
  }, 900_000);
});
