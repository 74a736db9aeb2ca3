// The soft time limit stops a real blastn with SIGTERM to its process group and fails the job
// as timed out at once (no retry), leaving no process and no work dir behind.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, startHarness, waitDone, type Harness } from '../support/harness.js';
import { processesOfJob } from '../support/processes.js';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';

let h: Harness;
let workload: SyntheticWorkload;

beforeAll(async () => {
  h = await startHarness({ env: { BIO_QUEUE_TASK_SOFT_TIME_LIMIT: '1', BIO_QUEUE_TASK_TIME_LIMIT: '3' } });
  workload = await writeSyntheticWorkload(path.join(h.inputsDir, 'synthetic'), { genomeBases: 2_000_000, reads: 6000, readLength: 250 });
  // Built directly, as an operator would: through a job it would race the 1 s limit too.
  await execa('makeblastdb', ['-in', workload.genomePath, '-dbtype', 'nucl', '-out', path.join(h.config.dbDir, 'synthetic')]);
});

afterAll(async () => h?.close());

describe('time limits', () => {
  it('fails a job that runs past the soft limit, with the limit in the message', async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: workload.readsPath, database: 'synthetic', task: 'blastn' });
    const done = await waitDone(h.client, job_id);
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(done.error).toMatchObject({ code: 'timeout', message: 'blastn ran longer than the 1 s time limit and was stopped', signal: 'SIGTERM' });
    expect(await processesOfJob(h.config.workRoot, job_id)).toEqual([]);
    // The worker's own folder is there, empty: the job's work dir is gone.
    const [workerFolder, ...others] = await fs.readdir(h.config.workRoot);
    expect(others).toEqual([]);
    expect(await fs.readdir(path.join(h.config.workRoot, workerFolder!))).toEqual([]);
  });
});
