// GET /workers and POST /workers/{id}/shutdown on the real stack: a `serve` with no worker of
// its own and two real `worker` processes of the built CLI. Both are listed with what they are
// and what they run; an admin shuts the one running a blastn down through the API, it finishes
// that job, exits 0 and leaves the list, and the other goes on serving.
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';
import type { Submission, WorkerInfo } from '../../src/jobs/job-model.js';
import { packageVersion } from '../../src/package-info.js';
import { FIXTURES } from '../support/harness.js';
import { startHttpHarness, waitForJob, type HttpHarness } from '../support/http-harness.js';
import { until, workerProcesses, type WorkerProcess } from '../support/worker-processes.js';

let h: HttpHarness;
let workload: SyntheticWorkload;
const workers = workerProcesses(() => h.env, 'blast');
let first: WorkerProcess;
let second: WorkerProcess;

const list = async () => {
  const answer = await h.api<{ workers: WorkerInfo[] }>(h.keys.alice, 'GET', '/workers');
  expect(answer.status).toBe(200);
  return answer.body.workers;
};

async function submit(parameters: Record<string, unknown>, jobType = 'blastn'): Promise<string> {
  const answer = await h.api<Submission>(h.keys.alice, 'POST', '/jobs/submit', { job_type: jobType, parameters });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return answer.body.job_id;
}

beforeAll(async () => {
  h = await startHttpHarness({ embeddedWorker: false });
  workload = await writeSyntheticWorkload(path.join(h.inputsDir, 'synthetic'), { genomeBases: 2_000_000, reads: 1000, readLength: 250 });
  first = workers.start();
  second = workers.start();
  await until('both workers to be listed', async () => ((await list()).length === 2 ? true : undefined));
  const build = await submit({ input: workload.genomePath, name: 'synthetic', dbtype: 'nucl' }, 'make_blast_db');
  expect((await waitForJob(h.url, h.keys.alice, build)).status).toBe('completed');
}, 300_000);

afterAll(async () => {
  await workers.stopAll();
  await h?.close();
});

describe('GET /workers', () => {
  it('lists each worker process with its host, queues, concurrency, running jobs, uptime and version', async () => {
    const listed = await until('both workers connected to their queues', async () => {
      const found = await list();
      return found.every((w) => w.connected_queues.includes('blast')) ? found : undefined;
    });
    expect(listed.map((w) => w.pid).sort()).toEqual([first.proc.pid, second.proc.pid].sort());
    for (const worker of listed) {
      expect(worker).toEqual({
        id: `${os.hostname()}.${worker.pid}.${worker.id.split('.').at(-1)}`,
        host: os.hostname(),
        pid: worker.pid,
        version: packageVersion(),
        queues: ['blast'],
        concurrency: 1,
        threads: 1,
        state: 'serving',
        started_at: expect.any(String),
        heartbeat_at: expect.any(String),
        running_jobs: [],
        uptime_seconds: expect.any(Number),
        connected_queues: ['blast', 'pipeline'],
      });
      expect(worker.id).toMatch(/\.[0-9a-f]{6}$/);
      expect(worker.uptime_seconds).toBeGreaterThanOrEqual(0);
      expect(Date.parse(worker.started_at)).toBeLessThanOrEqual(Date.parse(worker.heartbeat_at));
    }
  });
});

describe('POST /workers/{id}/shutdown', () => {
  it('is for admins only, and names a worker that is not there', async () => {
    const [someone] = await list();
    const user = await h.api(h.keys.alice, 'POST', `/workers/${someone!.id}/shutdown`);
    expect(user.status).toBe(403);
    expect(user.body).toEqual({ code: 'forbidden', message: 'stopping a worker takes an admin key' });
    const missing = await h.api(h.keys.admin, 'POST', '/workers/nohost.1.abcdef/shutdown');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: 'not_found', message: 'no live worker "nohost.1.abcdef"; GET /workers lists them by id' });
    expect(await list()).toHaveLength(2);
  });

  it('drains the worker running a job: the job finishes, the worker exits 0, the other keeps serving', async () => {
    const jobId = await submit({ query: workload.readsPath, database: 'synthetic', task: 'blastn' });
    // Whichever worker took it lists it as running.
    const busy = await until('the job to be listed as running', async () => (await list()).find((w) => w.running_jobs.some((j) => j.job_id === jobId)));
    expect(busy.running_jobs).toEqual([{ job_id: jobId, queue: 'blast', tool: 'blastn', started_at: expect.any(String) }]);
    const [doomed, other] = busy.pid === first.proc.pid ? [first, second] : [second, first];
    const otherId = (await list()).find((w) => w.pid === other.proc.pid)!.id;

    const answer = await h.api(h.keys.admin, 'POST', `/workers/${busy.id}/shutdown`);
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ worker_id: busy.id, state: 'draining' });

    const exit = await doomed.proc;
    expect(exit.exitCode).toBe(0);
    expect(doomed.log()).toContain('shutdown requested through the API: draining');
    // The drain let the running job finish rather than handing it back.
    expect((await waitForJob(h.url, h.keys.alice, jobId)).status).toBe('completed');
    const left = await until('the stopped worker to leave the list', async () => {
      const found = await list();
      return found.length === 1 ? found : undefined;
    });
    expect(left.map((w) => w.id)).toEqual([otherId]);

    // The other is untouched and takes the next job.
    expect(other.proc.exitCode).toBeNull();
    const next = await submit({ query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'synthetic' });
    expect((await waitForJob(h.url, h.keys.alice, next)).status).toBe('completed');
    expect((await h.api(h.keys.admin, 'POST', `/workers/${busy.id}/shutdown`)).status).toBe(404);
  });
});

describe('a worker embedded in serve', () => {
  let embedded: HttpHarness;
  beforeAll(async () => {
    embedded = await startHttpHarness();
  });
  afterAll(async () => embedded?.close());

  it('stops taking jobs when shut down through the API, and its server keeps running', async () => {
    const [worker] = (await embedded.api<{ workers: WorkerInfo[] }>(embedded.keys.admin, 'GET', '/workers')).body.workers;
    expect(worker!.pid).toBe(process.pid);
    const answer = await embedded.api(embedded.keys.admin, 'POST', `/workers/${worker!.id}/shutdown`);
    expect(answer.status).toBe(202);
    await until('the embedded worker to leave the list', async () => {
      const { workers: left } = (await embedded.api<{ workers: WorkerInfo[] }>(embedded.keys.admin, 'GET', '/workers')).body;
      return left.length === 0 ? true : undefined;
    });
    const health = await embedded.api<{ ok: boolean; workers: number }>(undefined, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, workers: 0 });
  });
});
