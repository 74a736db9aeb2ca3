// The REST API end to end on the real `serve` stack: a database and a blastn submitted with
// fetch, followed through the event stream, read back with a link that downloads the very file
// the worker stored; lists that page; queue counts and workers as Redis has them; a cancel.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { JOB_QUEUE_NAMES } from '../../tools/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultSchema, StatusSchema, SubmissionSchema, type JobResult, type JobStatus, type Submission } from '../../src/jobs/job-model.js';
import type { JobPage } from '../../src/jobs/job-model.js';
import type { QueueStats, WorkerInfo } from '../../src/jobs/job-model.js';
import type { UploadTicket } from '../../src/storage/result-store.js';
import { FIXTURES } from '../support/harness.js';
import { packageVersion } from '../../src/package-info.js';
import { readEvents, startHttpHarness, waitForJob, type HttpHarness } from '../support/http-harness.js';

let h: HttpHarness;
const QUERY = path.join(FIXTURES, 'lambda_queries.fa');

async function submit(key: string, jobType: string, parameters: Record<string, unknown>, priority?: number): Promise<Submission> {
  const answer = await h.api<Submission>(key, 'POST', '/jobs/submit', { job_type: jobType, parameters, ...(priority === undefined ? {} : { priority }) });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return answer.body;
}

beforeAll(async () => {
  h = await startHttpHarness();
  const build = await submit(h.keys.alice, 'make_blast_db', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
  expect((await waitForJob(h.url, h.keys.alice, build.job_id)).status).toBe('completed');
});

afterAll(async () => h?.close());

describe('a blastn through the REST API', () => {
  it('is accepted with 202, streams its status to the end, and downloads a byte-identical result', async () => {
    const answer = await h.api<Submission>(h.keys.alice, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: QUERY, database: 'lambda' }, priority: 7 });
    expect(answer.status).toBe(202);
    const submission = SubmissionSchema.parse(answer.body);
    expect(submission).toEqual({ job_id: expect.stringMatching(/^blast-[0-9a-z]{16}$/), status: 'queued', tool: 'blastn', queue: 'blast', priority: 7 });
    expect(answer.headers.get('location')).toBe(`/jobs/${submission.job_id}/status`);

    // The stream: status events whose states only move forward, then `end`.
    const events = await readEvents(h.url, h.keys.alice, submission.job_id);
    expect(events.at(-1)).toEqual({ event: 'end', data: { job_id: submission.job_id, status: 'completed' } });
    const statuses = events.slice(0, -1).map((e) => {
      expect(e.event).toBe('status');
      return StatusSchema.parse(e.data);
    });
    const order = ['queued', 'running', 'completed'];
    const ranks = statuses.map((s) => order.indexOf(s.status));
    expect(ranks.every((r, i) => r >= 0 && (i === 0 || r >= ranks[i - 1]!))).toBe(true);
    expect(statuses.at(-1)!.progress).toEqual({ percent: 100, message: 'completed' });

    const status = await h.api<JobStatus>(h.keys.alice, 'GET', `/jobs/${submission.job_id}/status`);
    expect(status.status).toBe(200);
    expect(StatusSchema.parse(status.body).status).toBe('completed');

    const result = await h.api<JobResult>(h.keys.alice, 'GET', `/jobs/${submission.job_id}/result`);
    expect(result.status).toBe(200);
    const parsed = ResultSchema.parse(result.body);
    expect(parsed.summary).toMatchObject({ hit_count: 20, queries_with_hits: 20 });
    const file = parsed.files[0]!;
    expect(file.name).toBe('hits.tsv');
    expect(file.url.startsWith(`${h.server.publicUrl}/files/${submission.job_id}/hits.tsv?expires=`)).toBe(true);
    expect(Date.parse(file.expires_at!)).toBeGreaterThan(Date.now());

    // The link needs no API key: it is the permission.
    const download = await fetch(file.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('text/tab-separated-values');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(download.headers.get('content-length')).toBe(String(bytes.length));
    const stored = await fs.readFile(path.join(h.config.resultsDir, submission.job_id, 'hits.tsv'));
    expect(bytes.equals(stored)).toBe(true);
    expect(file.size_bytes).toBe(stored.length);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
  });

  it('streams a finished job\'s last status and ends at once', async () => {
    const { jobs } = (await h.api<JobPage>(h.keys.alice, 'GET', '/jobs?status=completed&tool=make_blast_db')).body;
    const events = await readEvents(h.url, h.keys.alice, jobs[0]!.job_id);
    expect(events.map((e) => e.event)).toEqual(['status', 'end']);
    expect((events[0]!.data as JobStatus).status).toBe('completed');
  });

  it('takes an uploaded FASTA: POST /uploads, PUT to the link, submit with the upload reference', async () => {
    const created = await h.api<UploadTicket>(h.keys.alice, 'POST', '/uploads');
    expect(created.status).toBe(201);
    const ticket = created.body;
    expect(ticket).toEqual({
      upload_ref: `upload://${ticket.upload_id}`,
      upload_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      url: expect.stringMatching(new RegExp(`^${h.server.publicUrl}/files/uploads/alice/${ticket.upload_id}\\?expires=\\d+&sig=`)),
      method: 'PUT',
      expires_at: expect.any(String),
      max_bytes: h.config.http.uploadMaxBytes,
    });
    const fasta = await fs.readFile(QUERY);
    const put = await fetch(ticket.url, { method: 'PUT', body: fasta });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ size_bytes: fasta.length });

    const submission = await submit(h.keys.alice, 'blastn', { query: ticket.upload_ref, database: 'lambda' });
    expect((await waitForJob(h.url, h.keys.alice, submission.job_id)).status).toBe('completed');
    const result = (await h.api<JobResult>(h.keys.alice, 'GET', `/jobs/${submission.job_id}/result`)).body;
    expect(result.summary).toMatchObject({ queries_with_hits: 20 });
  });

  it('refuses an upload larger than the limit with 413 and keeps nothing of it', async () => {
    const ticket = (await h.api<UploadTicket>(h.keys.alice, 'POST', '/uploads')).body;
    const put = await fetch(ticket.url, { method: 'PUT', body: Buffer.alloc(ticket.max_bytes + 1, 'A') });
    expect(put.status).toBe(413);
    expect(await put.json()).toEqual({ code: 'payload_too_large', message: `upload: larger than the ${ticket.max_bytes}-byte limit (BIO_QUEUE_UPLOAD_MAX_BYTES)` });
    const submitted = await h.api(h.keys.alice, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: ticket.upload_ref, database: 'lambda' } });
    expect(submitted.status).toBe(400);
    expect(submitted.body).toEqual({
      code: 'input_invalid',
      field: 'query',
      message: `query: no finished upload "${ticket.upload_ref}" (PUT the file to its upload URL first; links expire)`,
    });
  });
});

describe('GET /jobs', () => {
  it('pages through the caller\'s jobs newest first with a cursor, and filters', async () => {
    for (let i = 0; i < 3; i++) await submit(h.keys.alice, 'blastn', { query: QUERY, database: 'lambda', evalue: 1 + i });
    const all = (await h.api<JobPage>(h.keys.alice, 'GET', '/jobs?limit=100')).body;
    expect(all.next_cursor).toBeNull();
    expect(all.jobs.length).toBeGreaterThanOrEqual(6);
    const times = all.jobs.map((j) => Date.parse(j.submitted_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page: JobPage = (await h.api<JobPage>(h.keys.alice, 'GET', `/jobs?limit=2${query}`)).body;
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.jobs.map((j) => j.job_id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(all.jobs.map((j) => j.job_id));

    const builds = (await h.api<JobPage>(h.keys.alice, 'GET', '/jobs?tool=make_blast_db')).body;
    expect(builds.jobs.map((j) => j.tool)).toEqual(['make_blast_db']);
  });
});

describe('GET /queues/stats and GET /workers', () => {
  it('report the counts Redis holds and the embedded worker', async () => {
    const all = (await h.api<JobPage>(h.keys.admin, 'GET', '/jobs?limit=100')).body;
    for (const job of all.jobs) await waitForJob(h.url, h.keys.admin, job.job_id);
    const stats = await h.api<{ queues: QueueStats[] }>(h.keys.alice, 'GET', '/queues/stats');
    expect(stats.status).toBe(200);
    // Every queue of the catalog, each served by the one embedded worker; only blast had jobs.
    expect(stats.body.queues).toEqual(
      JOB_QUEUE_NAMES.map((queue) => ({ queue, counts: { queued: 0, running: 0, completed: queue === 'blast' ? all.jobs.length : 0, failed: 0, delayed: 0 }, workers: 1 })),
    );

    const workers = await h.api<{ workers: WorkerInfo[] }>(h.keys.alice, 'GET', '/workers');
    expect(workers.status).toBe(200);
    // The embedded worker: one process, serving every tool queue and connected to every queue.
    expect(workers.body.workers).toEqual([
      {
        id: expect.stringMatching(new RegExp(`^${os.hostname().replace(/[.]/g, '\\.')}\\.${process.pid}\\.[0-9a-f]{6}$`)),
        host: os.hostname(),
        pid: process.pid,
        version: packageVersion(),
        queues: JOB_QUEUE_NAMES.filter((q) => q !== 'pipeline'),
        concurrency: 1,
        threads: 1,
        state: 'serving',
        started_at: expect.any(String),
        heartbeat_at: expect.any(String),
        running_jobs: [],
        uptime_seconds: expect.any(Number),
        connected_queues: [...JOB_QUEUE_NAMES],
      },
    ]);
  });
});

describe('with no worker running', () => {
  let idle: HttpHarness;
  beforeAll(async () => {
    idle = await startHttpHarness({ embeddedWorker: false });
  });
  afterAll(async () => idle?.close());

  it('counts queued jobs, cancels one with DELETE, and lists no workers', async () => {
    const submitted: string[] = [];
    for (let i = 0; i < 2; i++) {
      const answer = await idle.api<Submission>(idle.keys.alice, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: QUERY, database: 'lambda' } });
      expect(answer.status).toBe(202);
      submitted.push(answer.body.job_id);
    }
    const counts = async () => (await idle.api<{ queues: QueueStats[] }>(idle.keys.alice, 'GET', '/queues/stats')).body.queues.find((q) => q.queue === 'blast')!;
    expect(await counts()).toEqual({ queue: 'blast', counts: { queued: 2, running: 0, completed: 0, failed: 0, delayed: 0 }, workers: 0 });
    expect((await idle.api<JobStatus>(idle.keys.alice, 'GET', `/jobs/${submitted[1]}/status`)).body.queue_position).toBe(2);

    const cancelled = await idle.api<JobStatus>(idle.keys.alice, 'DELETE', `/jobs/${submitted[0]}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ job_id: submitted[0], status: 'cancelled', error: { code: 'cancelled', message: 'cancelled before it started' } });
    expect(await counts()).toEqual({ queue: 'blast', counts: { queued: 1, running: 0, completed: 0, failed: 0, delayed: 0 }, workers: 0 });
    expect((await idle.api<JobStatus>(idle.keys.alice, 'GET', `/jobs/${submitted[1]}/status`)).body.queue_position).toBe(1);
    expect((await idle.api<JobPage>(idle.keys.alice, 'GET', '/jobs?status=cancelled')).body.jobs.map((j) => j.job_id)).toEqual([submitted[0]]);
    // The stream of a cancelled job ends with it.
    expect((await readEvents(idle.url, idle.keys.alice, submitted[0]!)).map((e) => e.event)).toEqual(['status', 'end']);

    expect((await idle.api<{ workers: WorkerInfo[] }>(idle.keys.alice, 'GET', '/workers')).body).toEqual({ workers: [] });
  });

  it('stops following a job once the client of its event stream goes away', async () => {
    const { job_id } = (await idle.api<Submission>(idle.keys.alice, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: QUERY, database: 'lambda' } })).body;
    const streams = idle.server.app.eventStreams;
    const gone = new AbortController();
    const response = await fetch(`${idle.url}/jobs/${job_id}/events`, { headers: { Authorization: `Bearer ${idle.keys.alice}` }, signal: gone.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('\n\n')) text += (await reader.read()).value ?? '';
    expect(text.startsWith('event: status\ndata: {')).toBe(true);
    expect(streams.size).toBe(1);
    gone.abort();
    // The server notices the closed connection and ends its watch of the job.
    while (streams.size > 0) await new Promise((r) => setTimeout(r, 20));
  });
});
