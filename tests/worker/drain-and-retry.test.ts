// Worker processes that stop: SIGTERM drains (a running job finishes, or goes back to the queue
// when the drain time is up), a worker killed outright has its tools killed by its tool spawner and
// its job taken over by another, and an infrastructure failure is retried with backoff until it
// succeeds.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callOk, REPO, startHarness, waitDone, type Harness } from '../support/harness.js';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';
import { processesWithCwdUnder } from '../support/processes.js';
import { WORKER_GONE_KILLED } from '../../worker/tool-spawner.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

let h: Harness;
let big: SyntheticWorkload;
let small: SyntheticWorkload;
const workers: ResultPromise[] = [];

type Status = { status: string; attempts: number; progress: { percent: number; message: string }; error: { code: string; message: string } | null };

function startWorker(env: Record<string, string> = {}): ResultPromise {
  // No forced kill after SIGTERM: the drain decides when the worker exits (execa's default would SIGKILL after 5 s).
  const worker = execa(process.execPath, [MAIN, 'worker', '--queues', 'blast'], { env: { ...h.env, ...env }, stdin: 'ignore', reject: false, forceKillAfterDelay: false });
  workers.push(worker);
  return worker;
}

async function until(jobId: string, ok: (s: Status) => boolean): Promise<Status> {
  for (;;) {
    const s = await callOk<Status>(h.client, 'get_job_status', { job_id: jobId });
    if (ok(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false, env: { BIO_QUEUE_STALLED_SECONDS: '2', BIO_QUEUE_RETRY_BACKOFF_SECONDS: '1' } });
  big = await writeSyntheticWorkload(path.join(h.inputsDir, 'big'), { genomeBases: 2_000_000, reads: 6000, readLength: 250 });
  small = await writeSyntheticWorkload(path.join(h.inputsDir, 'small'), { genomeBases: 2_000_000, reads: 1000, readLength: 250 });
  const worker = startWorker();
  const build = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { input: big.genomePath, name: 'synthetic', dbtype: 'nucl' });
  expect((await waitDone(h.client, build.job_id)).status).toBe('completed');
  worker.kill('SIGTERM');
  await worker;
});

afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.kill('SIGKILL');
    await w;
  }
});

afterAll(async () => h?.close());

describe('draining on SIGTERM', () => {
  it('lets a running job finish, then exits 0', async () => {
    const worker = startWorker();
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: small.readsPath, database: 'synthetic', task: 'blastn' });
    await until(job_id, (s) => s.status === 'running');
    worker.kill('SIGTERM');
    const exit = await worker;
    expect(exit.exitCode).toBe(0);
    expect((await callOk<Status>(h.client, 'get_job_status', { job_id })).status).toBe('completed');
  });

  it('hands a job still running when the drain time is up back to the queue, for the next worker', async () => {
    const worker = startWorker({ BIO_QUEUE_DRAIN_TIMEOUT_SECONDS: '0.5' });
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: big.readsPath, database: 'synthetic', task: 'blastn' });
    await until(job_id, (s) => s.status === 'running');
    worker.kill('SIGTERM');
    expect((await worker).exitCode).toBe(0);
    const back = await callOk<Status>(h.client, 'get_job_status', { job_id });
    expect(back.status).toBe('queued');
    expect(back.error).toBeNull();

    startWorker();
    const done = await waitDone(h.client, job_id);
    expect(done.status).toBe('completed');
  });
});

describe('infrastructure failures', () => {
  it('takes over the job of a worker that was killed outright', async () => {
    const doomed = startWorker();
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: small.readsPath, database: 'synthetic', task: 'blastn' });
    await until(job_id, (s) => s.status === 'running');
    const doomedFolder = (await fs.readdir(h.config.workRoot)).find((f) => f.includes(`.${doomed.pid}.`))!;
    expect(doomedFolder).toBeDefined();
    // Kill the worker only once its blastn is running, so there is an orphan to reap.
    while ((await processesWithCwdUnder(path.join(h.config.workRoot, doomedFolder))).length === 0) {
      await new Promise((r) => setTimeout(r, 20));
    }
    doomed.kill('SIGKILL');
    // Its tool spawner kills the orphaned blastn at once, with no other worker on the host to reap
    // it, and says so on the stderr it shares with the worker.
    expect(String((await doomed).stderr)).toContain(WORKER_GONE_KILLED);
    for (let waited = 0; (await processesWithCwdUnder(path.join(h.config.workRoot, doomedFolder))).length > 0; waited += 100) {
      if (waited > 30_000) throw new Error('the dead worker\'s blastn is still running 30 s after its worker was killed');
      await new Promise((r) => setTimeout(r, 100));
    }
    startWorker();
    const done = await waitDone(h.client, job_id);
    expect(done.status).toBe('completed');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(await processesWithCwdUnder(path.join(h.config.workRoot, doomedFolder))).toEqual([]);
    expect(await fs.readdir(h.config.workRoot)).not.toContain(doomedFolder);
  });

  it('retries with backoff when storing the results fails, and completes once storage works again', async () => {
    // The results folder is a plain file: every attempt to store fails with ENOTDIR.
    await fs.rm(h.config.resultsDir, { recursive: true, force: true });
    await fs.writeFile(h.config.resultsDir, 'not a folder');
    startWorker();
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: path.join(REPO, 'fixtures', 'lambda_queries.fa'), database: 'synthetic' });
    const retrying = await until(job_id, (s) => s.status === 'queued' && s.progress.message.startsWith('waiting to retry'));
    expect(retrying.progress.message).toMatch(/^waiting to retry \(attempt 2 of 3\) after: /);
    await fs.rm(h.config.resultsDir);
    const done = await waitDone(h.client, job_id);
    expect(done.status).toBe('completed');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
  });
});
