// A job that runs twice publishes one result. Worker A is frozen (SIGSTOP) past its lock while
// its blastn runs; worker B takes the job over as stalled and completes it; then A resumes. A's
// attempt must not add to, nor overwrite, B's stored result, and leaves no work dir and no tool
// process behind.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callOk, startHarness, waitDone, type Harness } from '../support/harness.js';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';
import { processesWithCwdUnder } from '../support/processes.js';
import { until, workerProcesses } from '../support/worker-processes.js';
import { jobKeys } from '../../src/jobs/job-keys.js';


let h: Harness;
let workload: SyntheticWorkload;
const workers = workerProcesses(() => h.env, 'blast');
const startWorker = () => workers.start();

beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false, env: { BIO_QUEUE_STALLED_SECONDS: '1', BIO_QUEUE_RETRY_BACKOFF_SECONDS: '1' } });
  workload = await writeSyntheticWorkload(path.join(h.inputsDir, 'w'), { genomeBases: 2_000_000, reads: 4000, readLength: 250 });
  const builder = startWorker();
  const build = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { input: workload.genomePath, name: 'synthetic', dbtype: 'nucl' });
  expect((await waitDone(h.client, build.job_id)).status).toBe('completed');
  builder.proc.kill('SIGTERM');
  await builder.proc;
});

afterEach(() => workers.stopAll());

afterAll(async () => h?.close());

describe('a job run twice after a worker froze', () => {
  it('publishes one result; the frozen attempt leaves no files, work dir or process', async () => {
    const a = startWorker();
    await until('worker A ready', async () => (a.log().includes('worker ready') ? true : undefined));
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: workload.readsPath, database: 'synthetic', task: 'blastn' });
    const folderA = await until('A\'s work folder', async () => (await fs.readdir(h.config.workRoot)).find((f) => f.includes(`.${a.proc.pid}.`)));
    const rootA = path.join(h.config.workRoot, folderA);
    await until('A\'s blastn', async () => ((await processesWithCwdUnder(rootA)).length > 0 ? true : undefined));

    a.proc.kill('SIGSTOP');
    const b = startWorker();
    const done = await waitDone(h.client, job_id);
    expect(done.status).toBe('completed');
    expect(b.log()).toContain('"msg":"result published"');

    a.proc.kill('SIGCONT');
    // A finds its lock gone and stops, or finishes and loses the publication; either way its job
    // dir goes and its blastn ends.
    await until('A to drop its attempt', async () => ((await fs.readdir(rootA)).length === 0 && (await processesWithCwdUnder(rootA)).length === 0 ? true : undefined));
    expect(a.log()).toMatch(/lost a job's lock to another worker|duplicate attempt: another attempt published first/);
    expect(a.log()).not.toContain('"msg":"result published"');

    // One result: what get_job_result says is what the ledger holds, and the job's stored files
    // are exactly that result's files (no second set, nothing overwritten).
    const result = await callOk<{ files: { name: string; sha256: string; size_bytes: number }[] }>(h.client, 'get_job_result', { job_id });
    const redis = new Redis(h.env.BIO_QUEUE_REDIS_URL!);
    try {
      const published = JSON.parse((await redis.get(jobKeys(h.config.prefix).published(job_id)))!) as { files: { key: string; name: string; sha256: string }[] };
      expect(result.files.map((f) => [f.name, f.sha256])).toEqual(published.files.map((f) => [f.name, f.sha256]));
      const stored = (await fs.readdir(path.join(h.config.resultsDir, job_id))).sort();
      expect(stored).toEqual(published.files.map((f) => path.basename(f.key)).sort());
      // BullMQ saw the stall and one completion.
      const queue = new Queue('blast', { connection: redis, prefix: h.config.prefix });
      const job = (await queue.getJob(job_id))!;
      expect(job.finishedOn).toBeDefined();
      expect(job.stalledCounter).toBeGreaterThanOrEqual(1);
      await queue.close();
    } finally {
      redis.disconnect();
    }
    expect(await processesWithCwdUnder(h.config.workRoot)).toEqual([]);
  });
});
