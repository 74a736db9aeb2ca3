// A make_blast_db job that runs twice still completes, with the database its first publisher
// moved in, untouched. Real `worker` processes, real makeblastdb, real Redis:
//  - SIGKILL after publishing: the worker stores the job's log through a FIFO the test put where
//    the store writes, so it blocks right after moving the database in and before committing the
//    result; it is killed there, and the next worker's attempt finds the job's own database.
//  - two attempts at once: the publishing lock of the name is held (as a slow publisher would)
//    while worker A waits on it, A is frozen past its job lock, worker B takes the job over and
//    waits too; then A resumes as the lock frees, and the two race. One attempt's files, all of
//    them, end up in the databases folder.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callOk, REPO, startHarness, waitDone, type Harness } from '../support/harness.js';
import { processesWithCwdUnder } from '../support/processes.js';
import { until, workerProcesses, type WorkerProcess } from '../support/worker-processes.js';
import { jobKeys } from '../../src/jobs/job-keys.js';
import { buildLockKey } from '../../worker/build-lock.js';

const LAMBDA = path.join(REPO, 'fixtures', 'lambda_virus.fa');
const WAITING = 'another attempt or job is publishing a database of this name: waiting for it';
const KEEPING = 'an earlier attempt of this job already published the database: keeping it';

let h: Harness;
let redis: Redis;
const workers = workerProcesses(() => h.env, 'blast');
const startWorker = () => workers.start();

type Status = { status: string; attempts: number; progress: { percent: number; message: string } };

const exists = (file: string) => fs.stat(file).then(() => true, () => false);

// File name → inode of a database's files: a rename keeps the inode, so this tells whose files they are.
async function inodes(dir: string, name: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const f of (await fs.readdir(dir)).filter((f) => f.startsWith(`${name}.`)).sort()) out.set(f, (await fs.stat(path.join(dir, f))).ino);
  return out;
}

// The work dir of `worker`'s attempt at `jobId`, once it exists.
async function workDirOf(worker: WorkerProcess, jobId: string): Promise<string> {
  const folder = await until('the worker\'s work folder', async () => (await fs.readdir(h.config.workRoot)).find((f) => f.includes(`.${worker.proc.pid}.`)));
  const job = await until('the job\'s work dir', async () => (await fs.readdir(path.join(h.config.workRoot, folder))).find((f) => f.startsWith(`${jobId}-`)));
  return path.join(h.config.workRoot, folder, job);
}

async function status(jobId: string): Promise<Status> {
  return callOk<Status>(h.client, 'get_job_status', { job_id: jobId });
}

// The job's database can be searched, and the folders hold nothing but it: no half-copied file,
// no work dir of either attempt, no stored file beside the published result's.
async function expectCleanAndUsable(jobId: string, name: string, published: Map<string, number>): Promise<void> {
  expect(await inodes(h.config.dbDir, name)).toEqual(published);
  expect((await fs.readdir(h.config.dbDir)).filter((f) => f.includes(name) && !f.startsWith(`${name}.`))).toEqual([`.${name}.blast-nucl.published-by`]);
  expect(await fs.readFile(path.join(h.config.dbDir, `.${name}.blast-nucl.published-by`), 'utf8')).toBe(`${jobId}\n`);
  const listed = await callOk<{ databases: { name: string }[] }>(h.client, 'list_databases');
  expect(listed.databases.filter((d) => d.name.includes(name)).map((d) => d.name)).toEqual([name]);

  const search = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: path.join(REPO, 'fixtures', 'lambda_queries.fa'), database: name });
  expect((await waitDone(h.client, search.job_id)).status).toBe('completed');
  const hits = await callOk<{ summary: { hit_count: number } }>(h.client, 'get_job_result', { job_id: search.job_id });
  expect(hits.summary.hit_count).toBeGreaterThan(0);

  const result = await callOk<{ summary: Record<string, unknown>; files: { name: string }[] }>(h.client, 'get_job_result', { job_id: jobId });
  expect(result.summary).toEqual({ database: name, dbtype: 'nucl', title: name, sequences: 1 });
  const ledger = JSON.parse((await redis.get(jobKeys(h.config.prefix).published(jobId)))!) as { files: { key: string }[] };
  expect((await fs.readdir(path.join(h.config.resultsDir, jobId))).sort()).toEqual(ledger.files.map((f) => path.basename(f.key)).sort());
  for (const folder of await fs.readdir(h.config.workRoot)) expect(await fs.readdir(path.join(h.config.workRoot, folder))).toEqual([]);
  expect(await processesWithCwdUnder(h.config.workRoot)).toEqual([]);
}

beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false, env: { BIO_QUEUE_STALLED_SECONDS: '1', BIO_QUEUE_RETRY_BACKOFF_SECONDS: '1' } });
  redis = new Redis(h.env.BIO_QUEUE_REDIS_URL!);
});

afterEach(() => workers.stopAll());

afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

describe('make_blast_db run twice', () => {
  it('completes after its worker was SIGKILLed between publishing the database and committing the result', async () => {
    // Submitted with no worker running, so the FIFO is in place before any attempt starts.
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { input: LAMBDA, name: 'killed', dbtype: 'nucl' });
    const fifo = path.join(h.config.resultsDir, job_id, 'makeblastdb.log.partial');
    await fs.mkdir(path.dirname(fifo), { recursive: true });
    await execa('mkfifo', [fifo]);

    const first = startWorker();
    await until('the database in the databases folder', async () => ((await exists(path.join(h.config.dbDir, 'killed.nin'))) ? true : undefined));
    // Blocked opening the FIFO: published, not committed. Killed there.
    await until('the first attempt to block on storing its log', async () => ((await status(job_id)).progress.message === 'checking and storing the outputs' ? true : undefined));
    first.proc.kill('SIGKILL');
    await first.proc;
    expect(await redis.get(jobKeys(h.config.prefix).published(job_id))).toBeNull();
    expect(first.log()).not.toContain('"msg":"result published"');
    const published = await inodes(h.config.dbDir, 'killed');
    expect(published.size).toBeGreaterThan(3);
    await fs.rm(fifo);

    const second = startWorker();
    const done = await waitDone(h.client, job_id);
    expect(done.status).toBe('completed');
    expect((await status(job_id)).attempts).toBeGreaterThanOrEqual(2);
    expect(second.log()).toContain(KEEPING);
    expect(second.log()).toContain('"msg":"result published"');
    await expectCleanAndUsable(job_id, 'killed', published);
  });

  it('publishes one attempt\'s files when a frozen attempt resumes while another publishes', async () => {
    // The name's publishing lock, held as a slow publisher would hold it, keeps both attempts
    // waiting at the door until the test frees it.
    const lock = buildLockKey(h.config.prefix, 'publish-database:blast-nucl:raced');
    await redis.set(lock, 'held-by-the-test', 'PX', 120_000);
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { input: LAMBDA, name: 'raced', dbtype: 'nucl' });

    const a = startWorker();
    const workA = await workDirOf(a, job_id);
    await until('A to wait for the lock', async () => (a.log().includes(WAITING) ? true : undefined));
    const builtA = await inodes(path.join(workA, 'db'), 'raced');
    a.proc.kill('SIGSTOP');

    const b = startWorker();
    const workB = await workDirOf(b, job_id);
    await until('B to wait for the lock', async () => (b.log().includes(WAITING) ? true : undefined));
    const builtB = await inodes(path.join(workB, 'db'), 'raced');
    expect(builtB.size).toBe(builtA.size);

    // Both attempts alive and at the door at once.
    a.proc.kill('SIGCONT');
    await redis.del(lock);
    const done = await waitDone(h.client, job_id);
    expect(done.status).toBe('completed');
    // A drops its attempt one way or the other: it lost its job lock, or it finished and found the database its job's.
    await until('A to drop its attempt', async () => ((await exists(workA)) ? undefined : true));

    const published = await inodes(h.config.dbDir, 'raced');
    // Exactly one attempt's files, never a mix, and nothing replaced them afterwards.
    expect([builtA, builtB]).toContainEqual(published);
    const publishedBy = [a.log(), b.log()].filter((log) => log.includes('"msg":"result published"'));
    expect(publishedBy).toHaveLength(1);
    await expectCleanAndUsable(job_id, 'raced', published);
  });
});
