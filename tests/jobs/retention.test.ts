// Finished jobs and their result files are kept for the retention time, then removed.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../../src/jobs/retention-sweep.js';
import { openJobQueues, closeJobQueues } from '../../src/jobs/job-queues.js';
import { callError, callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';
import { connectRedis } from '../../src/redis/redis-target.js';

let h: Harness;

beforeAll(async () => {
  // 0.00003 days = 2.6 s.
  h = await startHarness({ env: { BIO_STORAGE_RETENTION_DAYS: '0.00003' } });
});
afterAll(async () => h?.close());

describe('retention', () => {
  it('removes a finished job and its files once they are older than the retention time', async () => {
    const build = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
    expect((await waitDone(h.client, build.job_id)).status).toBe('completed');
    const result = await callOk<{ files: { url: string }[] }>(h.client, 'get_job_result', { job_id: build.job_id });
    const file = fileURLToPath(result.files[0]!.url);
    await fs.access(file);

    const redis = connectRedis(h.runtime.target, 'retention-test');
    const queues = openJobQueues(h.config, redis, h.runtime.log);
    try {
      // Nothing is old enough yet.
      expect(await sweepOnce(h.config, queues, h.runtime.store, redis)).toMatchObject({ jobs: 0, fileSets: 0 });
      await new Promise((r) => setTimeout(r, 3000));
      expect(await sweepOnce(h.config, queues, h.runtime.store, redis)).toMatchObject({ jobs: 1, fileSets: 1 });
    } finally {
      await closeJobQueues(queues);
      redis.disconnect();
    }
    await expect(fs.access(file)).rejects.toThrow(/ENOENT/);
    expect(await callError(h.client, 'get_job_status', { job_id: build.job_id })).toBe(`not_found: no job "${build.job_id}"; list_jobs shows the jobs that exist`);
    // list_jobs drops ids whose jobs are gone.
    expect((await callOk<{ jobs: unknown[] }>(h.client, 'list_jobs')).jobs).toEqual([]);
  });
});
