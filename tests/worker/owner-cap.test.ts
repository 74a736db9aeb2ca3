// BIO_QUEUE_MAX_RUNNING_PER_OWNER with two API keys, real worker processes and real blastn runs:
// a queue full of alice's jobs does not keep bob's one waiting behind them, alice never has more
// runs going than the cap, a held job says why it waits and spends no attempt on it, the slot
// of a worker killed mid-run frees itself, and a split search's parts count as runs. Order is read from the jobs' own timestamps, never
// from how long anything took.
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobReturn, JobStatus, Submission } from '../../src/jobs/job-model.js';
import { jobKeys } from '../../src/jobs/job-keys.js';
import { FIXTURES } from '../support/harness.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';
import { until, workerProcesses } from '../support/worker-processes.js';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';

let h: HttpHarness;
let redis: Redis;
let blast: Queue;
let workload: SyntheticWorkload;
// Two jobs at a time per worker process: with a cap of 1, only another owner can use the second.
const workers = workerProcesses(() => ({ ...h.env, BIO_QUEUE_WORKER_CONCURRENCY: '2' }), 'blast');
const singleWorkers = workerProcesses(() => ({ ...h.env, BIO_QUEUE_WORKER_CONCURRENCY: '1' }), 'blast');

async function submit(key: string, jobType: string, parameters: Record<string, unknown>): Promise<string> {
  const answer = await h.api<Submission>(key, 'POST', '/jobs/submit', { job_type: jobType, parameters });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return answer.body.job_id;
}

async function status(key: string, jobId: string): Promise<JobStatus> {
  const answer = await h.api<JobStatus>(key, 'GET', `/jobs/${jobId}/status`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

async function allEnded(key: string, jobIds: readonly string[]): Promise<JobStatus[]> {
  return until(`jobs ${jobIds.join(', ')} to end`, async () => {
    const statuses = await Promise.all(jobIds.map((id) => status(key, id)));
    return statuses.every((s) => ['completed', 'failed', 'cancelled'].includes(s.status)) ? statuses : undefined;
  }, 600_000);
}

// When each job's tool ran, as its worker recorded it: inside the time its owner's slot was held.
async function toolWindows(jobIds: readonly string[]): Promise<{ id: string; from: number; to: number }[]> {
  return Promise.all(
    jobIds.map(async (id) => {
      const value = (await blast.getJob(id))!.returnvalue as JobReturn;
      return { id, from: Date.parse(value.started_at), to: Date.parse(value.finished_at) };
    }),
  );
}

function expectNoOverlap(windows: { id: string; from: number; to: number }[]): void {
  const sorted = [...windows].sort((a, b) => a.from - b.from);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.from, `${sorted[i]!.id} started before ${sorted[i - 1]!.id} ended`).toBeGreaterThanOrEqual(sorted[i - 1]!.to);
}

const search = () => ({ query: workload.readsPath, database: 'synthetic', task: 'blastn' });

beforeAll(async () => {
  h = await startHttpHarness({ embeddedWorker: false, env: { BIO_QUEUE_MAX_RUNNING_PER_OWNER: '1', BIO_QUEUE_STALLED_SECONDS: '2' } });
  redis = new Redis(h.env.BIO_QUEUE_REDIS_URL!);
  blast = new Queue('blast', { connection: redis, prefix: h.config.prefix });
  // A search of a few seconds each: long beside a worker passing over a held job, short enough for several.
  workload = await writeSyntheticWorkload(path.join(h.inputsDir, 'synthetic'), { genomeBases: 2_000_000, reads: 800, readLength: 250 });
  workers.start();
  const build = await submit(h.keys.admin, 'make_blast_db', { input: workload.genomePath, name: 'synthetic', dbtype: 'nucl' });
  expect((await allEnded(h.keys.admin, [build]))[0]!.status).toBe('completed');
  await workers.stopAll();
}, 600_000);

afterEach(async () => {
  await workers.stopAll();
  await singleWorkers.stopAll();
});

afterAll(async () => {
  await blast?.close();
  redis?.disconnect();
  await h?.close();
});

describe('a cap of 1 running job per owner, two jobs per worker', () => {
  it('starts bob\'s one job while alice\'s are still queued, holds alice to one run at a time, and says why hers wait', async () => {
    const alice: string[] = [];
    for (let i = 0; i < 5; i++) alice.push(await submit(h.keys.alice, 'blastn', search()));
    const bob = await submit(h.keys.bob, 'blastn', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'synthetic' });
    // Only now a worker: the queue holds all of alice's jobs ahead of bob's.
    workers.start();

    // Alice's last job waits behind her running one, and its status says so.
    const held = await until('alice\'s last job to be held back', async () => {
      const s = await status(h.keys.alice, alice.at(-1)!);
      return s.progress.message === 'waiting: 1 of your jobs are running, cap 1 (BIO_QUEUE_MAX_RUNNING_PER_OWNER)' ? s : undefined;
    });
    expect(held.status).toBe('queued');
    expect(held.started_at).toBeNull();

    const aliceDone = await allEnded(h.keys.alice, alice);
    const [bobDone] = await allEnded(h.keys.bob, [bob]);
    expect([...aliceDone, bobDone!].map((s) => s.status)).toEqual(Array(6).fill('completed'));

    // Bob's job was the second to start: before every one of alice's but her first.
    const starts = [...aliceDone, bobDone!].map((s) => ({ id: s.job_id, at: Date.parse(s.started_at!) })).sort((a, b) => a.at - b.at);
    expect(starts.map((s) => s.id).indexOf(bob), JSON.stringify(starts)).toBe(1);
    // Alice never had two searches running, and the holds spent none of her jobs' attempts.
    expectNoOverlap(await toolWindows(alice));
    expect(aliceDone.map((s) => s.attempts)).toEqual(Array(5).fill(1));
    // Nothing is left counted or held once every job has ended.
    const keys = jobKeys(h.config.prefix);
    expect(await redis.zcard(keys.runningSlots('alice'))).toBe(0);
    expect(await redis.zcard(keys.heldJobs('alice'))).toBe(0);
  }, 900_000);

  it('frees the slot of a worker killed in the middle of a run', async () => {
    const alice = [await submit(h.keys.alice, 'blastn', search()), await submit(h.keys.alice, 'blastn', search())];
    const doomed = singleWorkers.start();
    await until('alice\'s first job to run', async () => ((await status(h.keys.alice, alice[0]!)).status === 'running' ? true : undefined));
    doomed.proc.kill('SIGKILL');
    await doomed.proc;
    // The dead worker never released its slot: only its lapsed lock frees it for the next worker.
    workers.start();
    const done = await allEnded(h.keys.alice, alice);
    expect(done.map((s) => s.status)).toEqual(['completed', 'completed']);
    expect(done[0]!.attempts).toBe(2);
    expect(done[1]!.attempts).toBe(1);
    expectNoOverlap(await toolWindows(alice));
  }, 900_000);

  it('counts each part of a split search as a run: the parts take turns, and the search completes', async () => {
    const id = await submit(h.keys.alice, 'blastn', { ...search(), split: 3 });
    workers.start();
    const [done] = await allEnded(h.keys.alice, [id]);
    expect(done!.status, JSON.stringify(done!.error)).toBe('completed');
    const parts = done!.steps!.map((p) => p.job_id);
    expect(parts).toHaveLength(3);
    // Two worker slots, three parts: only the cap kept them from running side by side.
    expectNoOverlap(await toolWindows(parts));
  }, 900_000);
});
