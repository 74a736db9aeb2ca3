// A finished pipeline is kept for the retention time like any job, then the sweep removes its
// root (on the pipeline queue), each step's job (on its tool's queue) and the files the steps stored.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../../src/jobs/retention-sweep.js';
import { closeJobQueues, openJobQueues } from '../../src/jobs/job-queues.js';
import { connectRedis } from '../../src/redis/redis-target.js';
import { callError, callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';

let h: Harness;

beforeAll(async () => {
  // 0.0001 days = 8.6 s: longer than the fixtures' pipeline takes, so no step is old before the end.
  h = await startHarness({ env: { BIO_STORAGE_RETENTION_DAYS: '0.0001' } });
});
afterAll(async () => h?.close());

describe('retention of a pipeline', () => {
  it('removes the pipeline\'s root, its steps\' jobs and their files once older than the retention time', async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'qc_and_align_async', {
      reference: path.join(FIXTURES, 'lambda_virus.fa'),
      reads_1: path.join(FIXTURES, 'lambda_reads_1.fq.gz'),
    });
    const done = (await waitDone(h.client, job_id)) as unknown as { status: string; steps: { job_id: string }[] };
    expect(done.status).toBe('completed');
    const stepIds = done.steps.map((s) => s.job_id);
    const stepDirs = stepIds.map((id) => path.join(h.config.resultsDir, id));
    for (const dir of stepDirs) expect((await fs.readdir(dir)).length).toBeGreaterThan(0);

    const redis = connectRedis(h.runtime.target, 'pipeline-retention-test');
    const queues = openJobQueues(h.config, redis, h.runtime.log);
    try {
      expect(await sweepOnce(h.config, queues, h.runtime.store, redis)).toMatchObject({ jobs: 0, fileSets: 0 });
      await new Promise((r) => setTimeout(r, 9000));
      // The three steps and the root; the three steps' file sets (the root stores none of its own).
      expect(await sweepOnce(h.config, queues, h.runtime.store, redis)).toMatchObject({ jobs: 4, fileSets: 3 });
    } finally {
      await closeJobQueues(queues);
      redis.disconnect();
    }
    for (const dir of stepDirs) await expect(fs.access(dir)).rejects.toThrow(/ENOENT/);
    for (const id of [job_id, ...stepIds]) {
      expect(await callError(h.client, 'get_job_status', { job_id: id })).toBe(`not_found: no job "${id}"; list_jobs shows the jobs that exist`);
    }
    expect((await callOk<{ jobs: unknown[] }>(h.client, 'list_jobs')).jobs).toEqual([]);
  }, 60_000);
});
