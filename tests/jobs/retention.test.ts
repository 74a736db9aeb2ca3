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
let startedAt = 0;

beforeAll(async () => {
  // 0.00003 days = 2.6 s.
  h = await startHarness({ env: { BIO_STORAGE_RETENTION_DAYS: '0.00003' } });
  startedAt = Date.now();
});
afterAll(async () => h?.close());

// The server's own sweep runs 5 s after its start, then hourly: past it, a job is removed only by
// the sweeps a test runs and by another job's end.
async function pastStartSweep(): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.max(0, startedAt + 8000 - Date.now())));
}

describe('retention', () => {
  it('removes a finished job and its files once they are older than the retention time', async () => {
    await pastStartSweep();
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

  it('removes an ended job when a later one ends, by the workers\' rule: a job\'s own opts carry no retention', async () => {
    await pastStartSweep();
    const args = { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda_keep', dbtype: 'nucl' };
    const first = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', args);
    expect((await waitDone(h.client, first.job_id)).status).toBe('completed');
    const queue = first.job_id.split('-')[0]!;
    const opts = JSON.parse((await h.runtime.redis.hget(`${h.config.prefix}:${queue}:${first.job_id}`, 'opts'))!) as Record<string, unknown>;
    expect(Object.keys(opts).sort()).toEqual(['attempts', 'backoff', 'jobId', 'priority']);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await callOk<{ status: string }>(h.client, 'get_job_status', { job_id: first.job_id })).status).toBe('completed');
    // No sweep: BullMQ removes what is past the age as the next job of the queue ends.
    const second = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { ...args, name: 'lambda_keep2' });
    expect((await waitDone(h.client, second.job_id)).status).toBe('completed');
    expect(await callError(h.client, 'get_job_status', { job_id: first.job_id })).toBe(`not_found: no job "${first.job_id}"; list_jobs shows the jobs that exist`);
    expect((await callOk<{ status: string }>(h.client, 'get_job_status', { job_id: second.job_id })).status).toBe('completed');
  });
});
