// GET /metrics after real jobs: a `serve` with no worker of its own, one real `worker` process
// of the built CLI running real makeblastdb and blastn, and the scrape checked number by number
// against what happened: jobs completed and failed per queue, run-time and queue-wait
// histograms that counted every job, the failure under its code, the live worker, and the bytes
// stored against the result files' real sizes on disk. A second replica answers alike, since
// every number comes from Redis.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStatus, Submission } from '../../src/jobs/job-model.js';
import { JOB_QUEUE_NAMES } from '../../tools/index.js';
import { FIXTURES } from '../support/harness.js';
import { startHttpHarness, waitForJob, type HttpHarness } from '../support/http-harness.js';
import { until, workerProcesses } from '../support/worker-processes.js';

const TOKEN = 'scrape-token-0123456789abcdef';
const QUERY = path.join(FIXTURES, 'lambda_queries.fa');
let h: HttpHarness;
let replica: HttpHarness;
const workers = workerProcesses(() => h.env, 'blast');
const completed: { jobId: string; tool: string }[] = [];
let failed: JobStatus;

async function run(jobType: string, parameters: Record<string, unknown>): Promise<JobStatus> {
  const answer = await h.api<Submission>(h.keys.alice, 'POST', '/jobs/submit', { job_type: jobType, parameters });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  const status = await waitForJob(h.url, h.keys.alice, answer.body.job_id);
  if (status.status === 'completed') completed.push({ jobId: status.job_id, tool: jobType });
  return status;
}

async function scrape(harness: HttpHarness, authorization?: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${harness.url}/metrics`, { headers: authorization ? { Authorization: authorization } : {} });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

// The value of one sample, by name and exact label set; undefined when the scrape has no such line.
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(labels).sort())) return Number(match[3]);
  }
  return undefined;
}

async function storedOnDisk(tool: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for (const job of completed.filter((c) => c.tool === tool)) {
    const dir = path.join(h.config.resultsDir, job.jobId);
    for (const name of await fs.readdir(dir)) {
      bytes += (await fs.stat(path.join(dir, name))).size;
      files += 1;
    }
  }
  return { bytes, files };
}

beforeAll(async () => {
  h = await startHttpHarness({ embeddedWorker: false, env: { BIO_QUEUE_METRICS_TOKEN: TOKEN } });
  workers.start();
  await until('the worker to be listed', async () => ((await h.api<{ workers: unknown[] }>(h.keys.admin, 'GET', '/workers')).body.workers.length === 1 ? true : undefined));
  expect((await run('make_blast_db', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' })).status).toBe('completed');
  for (const evalue of [10, 1, 0.001]) expect((await run('blastn', { query: QUERY, database: 'lambda', evalue })).status).toBe('completed');
  failed = await run('blastn', { query: QUERY, database: 'no_such_db' });
  expect(failed.status).toBe('failed');
  expect(failed.error?.code).toBe('input_invalid');
  // The worker records a job's numbers just after BullMQ records its end, which the test saw first.
  await until('the worker to record all five jobs', async () => {
    const { text } = await scrape(h, `Bearer ${TOKEN}`);
    const counted = [...text.matchAll(/^bioq_job_run_seconds_count\{.*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    return counted === 5 ? true : undefined;
  });
  replica = await startHttpHarness({ replicaOf: h, embeddedWorker: false });
}, 300_000);

afterAll(async () => {
  await workers.stopAll();
  await replica?.close();
  await h?.close();
});

describe('GET /metrics', () => {
  it('takes the scrape token and admin keys, and no one else', async () => {
    expect((await scrape(h)).status).toBe(401);
    expect((await scrape(h, 'Bearer not-the-token-nor-a-key')).status).toBe(401);
    const user = await scrape(h, `Bearer ${h.keys.alice}`);
    expect(user.status).toBe(403);
    expect(JSON.parse(user.text)).toEqual({ code: 'forbidden', message: 'GET /metrics: only admin keys and the scrape token (BIO_QUEUE_METRICS_TOKEN) may read it' });
    const admin = await scrape(h, `Bearer ${h.keys.admin}`);
    expect(admin.status).toBe(200);
    const token = await scrape(h, `Bearer ${TOKEN}`);
    expect(token.status).toBe(200);
    expect(token.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    // The scrape token is no API key: it reads nothing else.
    expect((await h.api(TOKEN, 'GET', '/jobs')).status).toBe(401);
  });

  it('counts the jobs per queue and state as BullMQ holds them', async () => {
    const { text } = await scrape(h, `Bearer ${TOKEN}`);
    for (const queue of JOB_QUEUE_NAMES) {
      const blast = queue === 'blast';
      expect([queue, sample(text, 'bioq_jobs', { queue, state: 'completed' })]).toEqual([queue, blast ? 4 : 0]);
      expect([queue, sample(text, 'bioq_jobs', { queue, state: 'failed' })]).toEqual([queue, blast ? 1 : 0]);
      expect([queue, sample(text, 'bioq_jobs', { queue, state: 'queued' })]).toEqual([queue, 0]);
      expect([queue, sample(text, 'bioq_jobs', { queue, state: 'running' })]).toEqual([queue, 0]);
    }
  });

  it('has a run-time histogram per tool that counted every job, a queue wait for each, and the failure by its code', async () => {
    const { text } = await scrape(h, `Bearer ${TOKEN}`);
    const series = [
      [{ queue: 'blast', tool: 'make_blast_db', status: 'completed' }, 1],
      [{ queue: 'blast', tool: 'blastn', status: 'completed' }, 3],
      [{ queue: 'blast', tool: 'blastn', status: 'failed' }, 1],
    ] as const;
    for (const [labels, count] of series) {
      expect(sample(text, 'bioq_job_run_seconds_count', labels)).toBe(count);
      expect(sample(text, 'bioq_job_run_seconds_bucket', { ...labels, le: '+Inf' })).toBe(count);
      expect(sample(text, 'bioq_job_run_seconds_sum', labels)).toBeGreaterThan(0);
      // Cumulative buckets: never fewer at a larger bound.
      const buckets = [1, 5, 15, 30, 60, 300].map((le) => sample(text, 'bioq_job_run_seconds_bucket', { ...labels, le: String(le) })!);
      expect(buckets.every((n, i) => n >= 0 && n <= count && (i === 0 || n >= buckets[i - 1]!))).toBe(true);
    }
    expect(sample(text, 'bioq_job_queue_wait_seconds_count', { queue: 'blast' })).toBe(5);
    expect(sample(text, 'bioq_job_queue_wait_seconds_bucket', { queue: 'blast', le: '+Inf' })).toBe(5);
    expect(sample(text, 'bioq_job_failures_total', { queue: 'blast', tool: 'blastn', code: 'input_invalid' })).toBe(1);
    expect(text.match(/^bioq_job_failures_total\{/gm)).toHaveLength(1);
  });

  it('counts the live worker, per state and per queue', async () => {
    const { text } = await scrape(h, `Bearer ${TOKEN}`);
    expect(sample(text, 'bioq_workers', { state: 'serving' })).toBe(1);
    expect(sample(text, 'bioq_workers', { state: 'draining' })).toBe(0);
    expect(sample(text, 'bioq_queue_workers', { queue: 'blast' })).toBe(1);
    expect(sample(text, 'bioq_queue_workers', { queue: 'align' })).toBe(0);
    const worker = (await h.api<{ workers: { id: string; host: string }[] }>(h.keys.admin, 'GET', '/workers')).body.workers[0]!;
    expect(sample(text, 'bioq_worker_running_jobs', { worker: worker.id, host: worker.host })).toBe(0);
  });

  it('counts the bytes and files stored, as large as the result files are on disk', async () => {
    const { text } = await scrape(h, `Bearer ${TOKEN}`);
    for (const tool of ['blastn', 'make_blast_db']) {
      const disk = await storedOnDisk(tool);
      expect(sample(text, 'bioq_stored_bytes_total', { queue: 'blast', tool })).toBe(disk.bytes);
      expect(sample(text, 'bioq_stored_files_total', { queue: 'blast', tool })).toBe(disk.files);
    }
    // blastn wrote hits, so the check above compared something.
    expect((await storedOnDisk('blastn')).bytes).toBeGreaterThan(0);
  });

  it('gives the same numbers on another replica of serve', async () => {
    const jobLines = (text: string) => text.split('\n').filter((line) => /^bioq_(jobs|job_|stored_|workers|queue_workers)/.test(line));
    const first = await scrape(h, `Bearer ${TOKEN}`);
    const second = await scrape(replica, `Bearer ${TOKEN}`);
    expect(second.status).toBe(200);
    expect(jobLines(second.text)).toEqual(jobLines(first.text));
    expect(jobLines(first.text).length).toBeGreaterThan(20);
  });
});
