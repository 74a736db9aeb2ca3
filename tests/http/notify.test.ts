// notify_url end to end on the real `serve` stack (Redis, the embedded worker, blastn): a
// receiver on 127.0.0.1 — allowed here through BIO_QUEUE_ALLOW_PRIVATE_URLS, as URL-input tests
// allow it — gets one signed POST when a job completes, fails, or is cancelled queued or running
// (a split search or a pipeline: one for the whole), checked with the very verifier the README
// shows; a receiver that answers
// 500 twice gets it on the third try. A server with the default policy refuses a private
// notify_url at submit, naming the field, over REST and MCP.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStatus, Submission } from '../../src/jobs/job-model.js';
import { NOTIFY_QUEUE, notifyJobId } from '../../src/jobs/notify-queue.js';
import { NotificationSchema, type Notification } from '../../src/jobs/notify-body.js';
import { FIXTURES, REPO } from '../support/harness.js';
import { startHttpHarness, waitForJob, type HttpHarness } from '../support/http-harness.js';
import { startLocalServer, type LocalServer } from '../inputs/local-http-server.js';

const SECRET = 'notify-test-secret-0123456789abcdefghij';
const QUERY = path.join(FIXTURES, 'lambda_queries.fa');
// Polls, never a timed assertion: the machine is shared and slow; this only bounds a hang.
const PATIENCE_MS = 240_000;

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  answered: number;
}

let h: HttpHarness;
let strict: HttpHarness;
let receiver: LocalServer;
let redis: Redis;
let notifyQueue: Queue;
let verifyNotification: (secret: string, header: string, rawBody: string, toleranceSeconds?: number) => boolean;
const received: Received[] = [];
const flakyTries = new Map<string, number>();
// The /restart receiver answers 503 until the test opens it.
let restartOpen = false;
let tmp: string;

// The README's verification snippet, written to a file and imported as a receiver would use it.
async function readmeVerifier(): Promise<typeof verifyNotification> {
  const readme = await fs.readFile(path.join(REPO, 'README.md'), 'utf8');
  const block = /```js\n(\/\/ verify-notification\.mjs\n[\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no "// verify-notification.mjs" js block');
  const file = path.join(tmp, 'verify-notification.mjs');
  await fs.writeFile(file, block);
  const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { verifyNotification: typeof verifyNotification };
  return module.verifyNotification;
}

async function submit(body: Record<string, unknown>): Promise<Submission> {
  const answer = await h.api<Submission>(h.keys.alice, 'POST', '/jobs/submit', body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return answer.body;
}

// Waits until the notify job of jobId has been delivered (or given up), then returns every POST
// the receiver got for that path.
async function deliveredTo(jobId: string, receiverPath: string): Promise<Received[]> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const job = await notifyQueue.getJob(notifyJobId(jobId));
    const state = job ? await job.getState() : 'absent';
    if (state === 'completed' || state === 'failed') {
      expect(state, job?.failedReason).toBe('completed');
      return received.filter((r) => r.path === receiverPath);
    }
    if (Date.now() > deadline) throw new Error(`the notification of ${jobId} is still ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// Checks a POST as a receiver would, with the README's verifier, and returns its body.
function verified(post: Received): Notification {
  const signature = post.headers['x-bio-queue-signature'];
  expect(typeof signature).toBe('string');
  expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  expect(verifyNotification(SECRET, signature as string, post.body)).toBe(true);
  // Another secret, or one changed byte of the body, does not verify.
  expect(verifyNotification(`${SECRET}x`, signature as string, post.body)).toBe(false);
  expect(verifyNotification(SECRET, signature as string, post.body.replace('"job_id"', '"job_Id"'))).toBe(false);
  expect(post.headers['content-type']).toBe('application/json');
  // The body is the documented shape, no more: parsed strictly against the schema it is made from.
  const body = NotificationSchema.strict().parse(JSON.parse(post.body));
  expect(post.headers['x-bio-queue-event']).toBe(body.event);
  // Nothing secret travels: no API key, no signed download link.
  for (const key of Object.values(h.keys)) expect(post.body).not.toContain(key);
  expect(post.body).not.toContain('sig=');
  return body;
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-notify-'));
  verifyNotification = await readmeVerifier();
  receiver = await startLocalServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (req.method === 'GET' && url.pathname === '/slow.fa') {
      // A URL input that never finishes: its job stays running (staging) until cancelled.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('>q1\nACGTACGTACGT\n');
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(404).end('no such file'); // a URL input that fails its job
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let answered = 204;
      if (url.pathname === '/restart' && !restartOpen) answered = 503;
      if (url.pathname.startsWith('/flaky')) {
        const tries = (flakyTries.get(url.pathname) ?? 0) + 1;
        flakyTries.set(url.pathname, tries);
        if (tries <= 2) answered = 500;
      }
      received.push({ path: url.pathname, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      res.writeHead(answered).end();
    });
  });
  h = await startHttpHarness({
    // 1 s first delay: the flaky receiver's three tries take 3 s rather than 15.
    env: { BIO_QUEUE_NOTIFY_SECRET: SECRET, BIO_QUEUE_ALLOW_PRIVATE_URLS: 'true', BIO_QUEUE_RETRY_BACKOFF_SECONDS: '1' },
  });
  strict = await startHttpHarness({ env: { BIO_QUEUE_NOTIFY_SECRET: SECRET }, embeddedWorker: false });
  redis = new Redis(h.config.redisUrl!, { maxRetriesPerRequest: null });
  notifyQueue = new Queue(NOTIFY_QUEUE, { connection: redis, prefix: h.config.prefix });
  const build = await submit({ job_type: 'make_blast_db', parameters: { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' } });
  expect((await waitForJob(h.url, h.keys.alice, build.job_id)).status).toBe('completed');
}, PATIENCE_MS);

afterAll(async () => {
  await notifyQueue?.close();
  await redis?.quit();
  await h?.close();
  await strict?.close();
  await receiver?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('notify_url', () => {
  it('gets one signed POST when a blastn completes, saying what its status says', async () => {
    const submission = await submit({ job_type: 'blastn', parameters: { query: QUERY, database: 'lambda' }, notify_url: `${receiver.origin}/done` });
    const status = await waitForJob(h.url, h.keys.alice, submission.job_id);
    expect(status.status).toBe('completed');
    const posts = await deliveredTo(submission.job_id, '/done');
    expect(posts).toHaveLength(1);
    const body = verified(posts[0]!);
    expect(body).toEqual({
      event: 'job.completed',
      job_id: submission.job_id,
      tool: 'blastn',
      status: 'completed',
      error: null,
      submitted_at: status.submitted_at,
      finished_at: status.finished_at,
      links: {
        status: `${h.server.publicUrl}/jobs/${submission.job_id}/status`,
        result: `${h.server.publicUrl}/jobs/${submission.job_id}/result`,
        resource: `bio-mcp-queue://jobs/${submission.job_id}`,
      },
    });
    expect(posts[0]!.headers['x-bio-queue-delivery']).toBe(notifyJobId(submission.job_id));
    // The links work with the owner's own key, and only with a key.
    expect((await h.api<JobStatus>(h.keys.alice, 'GET', new URL(body.links.result!).pathname)).status).toBe(200);
    expect((await h.api(undefined, 'GET', new URL(body.links.status!).pathname)).status).toBe(401);
  }, PATIENCE_MS);

  it('gets one signed POST when a job submitted over MCP fails, with the error that failed it', async () => {
    const client = await h.mcp(h.keys.alice);
    const missing = `${receiver.origin}/missing.fa`;
    const call = await client.callTool({ name: 'blastn_async', arguments: { query: missing, database: 'lambda', notify_url: `${receiver.origin}/failed` } });
    expect(call.isError, JSON.stringify(call.content)).toBeFalsy();
    const jobId = (call.structuredContent as Submission).job_id;
    const status = await waitForJob(h.url, h.keys.alice, jobId);
    expect(status.status).toBe('failed');
    const posts = await deliveredTo(jobId, '/failed');
    expect(posts).toHaveLength(1);
    const body = verified(posts[0]!);
    expect(body).toMatchObject({ event: 'job.failed', job_id: jobId, tool: 'blastn', status: 'failed', finished_at: status.finished_at });
    expect(body.error).toEqual({ code: status.error!.code, message: status.error!.message, field: 'query' });
    expect(body.error!.message).toBe(`query: ${JSON.stringify(missing)} answered HTTP 404 Not Found`);
  }, PATIENCE_MS);

  it('is part of what an idempotency_key stands for: the same key with another notify_url is refused', async () => {
    const body = { job_type: 'blastn', parameters: { query: QUERY, database: 'lambda' }, notify_url: `${receiver.origin}/once`, idempotency_key: 'notify-once' };
    const first = await submit(body);
    expect((await submit(body)).job_id).toBe(first.job_id);
    const other = await h.api(h.keys.alice, 'POST', '/jobs/submit', { ...body, notify_url: `${receiver.origin}/twice` });
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({ code: 'input_invalid', field: 'idempotency_key' });
    expect((await waitForJob(h.url, h.keys.alice, first.job_id)).status).toBe('completed');
    expect(await deliveredTo(first.job_id, '/once')).toHaveLength(1);
    expect(received.filter((r) => r.path === '/twice')).toEqual([]);
  }, PATIENCE_MS);

  it('is tried again with backoff: a receiver that answers 500 twice gets it on the third try', async () => {
    const submission = await submit({ job_type: 'blastn', parameters: { query: QUERY, database: 'lambda' }, notify_url: `${receiver.origin}/flaky-1` });
    expect((await waitForJob(h.url, h.keys.alice, submission.job_id)).status).toBe('completed');
    const posts = await deliveredTo(submission.job_id, '/flaky-1');
    expect(posts.map((p) => p.answered)).toEqual([500, 500, 204]);
    // Each try is signed on its own, and carries the same delivery id and body.
    for (const post of posts) expect(verified(post)).toMatchObject({ job_id: submission.job_id, status: 'completed' });
    expect(new Set(posts.map((p) => p.headers['x-bio-queue-delivery']))).toEqual(new Set([notifyJobId(submission.job_id)]));
    expect(new Set(posts.map((p) => p.body)).size).toBe(1);
    const job = await notifyQueue.getJob(notifyJobId(submission.job_id));
    expect(job?.attemptsMade).toBe(3);
  }, PATIENCE_MS);

  it('announces a job cancelled while still queued (no worker ever sees it)', async () => {
    const blast = new Queue('blast', { connection: redis, prefix: h.config.prefix });
    await blast.pause();
    try {
      const submission = await submit({ job_type: 'blastn', parameters: { query: QUERY, database: 'lambda' }, notify_url: `${receiver.origin}/cancelled` });
      const cancel = await h.api<JobStatus>(h.keys.alice, 'DELETE', `/jobs/${submission.job_id}`);
      expect(cancel.body.status).toBe('cancelled');
      const posts = await deliveredTo(submission.job_id, '/cancelled');
      expect(posts).toHaveLength(1);
      expect(verified(posts[0]!)).toMatchObject({
        event: 'job.cancelled',
        job_id: submission.job_id,
        status: 'cancelled',
        error: { code: 'cancelled', message: 'cancelled before it started' },
        finished_at: cancel.body.finished_at,
      });
    } finally {
      await blast.resume();
      await blast.close();
    }
  }, PATIENCE_MS);

  it('announces a job cancelled while running, from the worker that stopped it', async () => {
    const submission = await submit({ job_type: 'blastn', parameters: { query: `${receiver.origin}/slow.fa`, database: 'lambda' }, notify_url: `${receiver.origin}/stopped` });
    for (;;) {
      const now = await h.api<JobStatus>(h.keys.alice, 'GET', `/jobs/${submission.job_id}/status`);
      if (now.body.status === 'running') break;
      expect(now.body.status).toBe('queued');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await h.api(h.keys.alice, 'DELETE', `/jobs/${submission.job_id}`);
    const status = await waitForJob(h.url, h.keys.alice, submission.job_id);
    expect(status.status).toBe('cancelled');
    const posts = await deliveredTo(submission.job_id, '/stopped');
    expect(posts).toHaveLength(1);
    expect(verified(posts[0]!)).toMatchObject({
      event: 'job.cancelled',
      job_id: submission.job_id,
      status: 'cancelled',
      error: { code: 'cancelled', message: status.error!.message },
      finished_at: status.finished_at,
    });
  }, PATIENCE_MS);

  it('announces a split search once, as a whole, never its parts', async () => {
    const submission = await submit({ job_type: 'blastn', parameters: { query: QUERY, database: 'lambda', split: 2 }, notify_url: `${receiver.origin}/split` });
    const status = await waitForJob(h.url, h.keys.alice, submission.job_id);
    expect(status.status).toBe('completed');
    expect(status.steps).toHaveLength(2);
    const posts = await deliveredTo(submission.job_id, '/split');
    expect(posts).toHaveLength(1);
    expect(verified(posts[0]!)).toMatchObject({ event: 'job.completed', job_id: submission.job_id, tool: 'blastn', status: 'completed' });
    for (const part of status.steps!) expect(await notifyQueue.getJob(notifyJobId(part.job_id))).toBeUndefined();
  }, PATIENCE_MS);

  it('announces a pipeline whose step fails once, as a whole, with the step named in its error', async () => {
    const reference = path.join(FIXTURES, 'lambda_virus.fa');
    const contig = 'gi|9626243|ref|NC_001416.1|';
    const submission = await submit({
      job_type: 'run_pipeline',
      parameters: {
        steps: [
          { tool: 'bwa_mem', parameters: { reference, reads_1: path.join(FIXTURES, 'lambda_reads_1.fq.gz') } },
          { tool: 'bcftools_call', parameters: { reference, alignments: 'step:0/aligned.bam', region: `${contig}:60000-70000` } },
          { tool: 'samtools_flagstat', parameters: { alignments: 'step:0/aligned.bam' } },
        ],
      },
      notify_url: `${receiver.origin}/pipeline`,
    });
    const status = await waitForJob(h.url, h.keys.alice, submission.job_id);
    expect(status.status).toBe('failed');
    const posts = await deliveredTo(submission.job_id, '/pipeline');
    expect(posts).toHaveLength(1);
    const body = verified(posts[0]!);
    expect(body).toMatchObject({ event: 'job.failed', job_id: submission.job_id, tool: 'run_pipeline', status: 'failed' });
    expect(body.error).toEqual({ code: 'input_invalid', field: 'steps.1.parameters.region', message: status.error!.message });
    expect(body.error!.message).toMatch(/^step 1 \(bcftools_call\) failed: region: /);
    for (const step of status.steps!) expect(await notifyQueue.getJob(notifyJobId(step.job_id))).toBeUndefined();
  }, PATIENCE_MS);
});

describe('a notification across a restart', () => {
  it('waits in Redis while no server runs, and the next server to start sends it', async () => {
    const first = await startHttpHarness({
      env: { BIO_QUEUE_NOTIFY_SECRET: SECRET, BIO_QUEUE_ALLOW_PRIVATE_URLS: 'true', BIO_QUEUE_RETRY_BACKOFF_SECONDS: '1' },
      embeddedWorker: false,
    });
    try {
      // No worker: the job stays queued, and its cancel queues the notification at once.
      const answer = await first.api<Submission>(first.keys.alice, 'POST', '/jobs/submit', {
        job_type: 'make_blast_db',
        parameters: { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'restart', dbtype: 'nucl' },
        notify_url: `${receiver.origin}/restart`,
      });
      expect(answer.status).toBe(202);
      const jobId = answer.body.job_id;
      expect((await first.api<JobStatus>(first.keys.alice, 'DELETE', `/jobs/${jobId}`)).body.status).toBe('cancelled');
      // The first server tries, is refused, and stops with the notification still to send.
      const deadline = Date.now() + PATIENCE_MS;
      while (!received.some((r) => r.path === '/restart')) {
        if (Date.now() > deadline) throw new Error('the first server never tried the notification');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await first.server.close();
      const notifyOfFirst = new Queue(NOTIFY_QUEUE, { connection: redis, prefix: first.config.prefix });
      try {
        const pending = await notifyOfFirst.getJob(notifyJobId(jobId));
        expect(['delayed', 'waiting']).toContain(await pending!.getState());
        restartOpen = true;
        const second = await startHttpHarness({ replicaOf: first });
        try {
          const deadline2 = Date.now() + PATIENCE_MS;
          while ((await (await notifyOfFirst.getJob(notifyJobId(jobId)))!.getState()) !== 'completed') {
            if (Date.now() > deadline2) throw new Error('the second server never sent the notification');
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
          const posts = received.filter((r) => r.path === '/restart');
          expect(posts.map((p) => p.answered).at(-1)).toBe(204);
          expect(posts.slice(0, -1).every((p) => p.answered === 503)).toBe(true);
          const body = verified(posts.at(-1)!);
          // Sent by the second server: its links are on its own address.
          expect(body).toMatchObject({ event: 'job.cancelled', job_id: jobId, status: 'cancelled', links: { status: `${second.server.publicUrl}/jobs/${jobId}/status` } });
        } finally {
          await second.close();
        }
      } finally {
        await notifyOfFirst.close();
      }
    } finally {
      await fs.rm(first.dataDir, { recursive: true, force: true });
    }
  }, PATIENCE_MS);
});

describe('notify_url refused at submit', () => {
  const HINT = 'a private or local address; only public addresses may be fetched (set BIO_QUEUE_ALLOW_PRIVATE_URLS=true to allow others)';

  it.each([
    ['http://127.0.0.1:9/hook', '127.0.0.1'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254'],
    ['http://[::1]:8080/hook', '::1'],
  ])('REST: %s, with the field named', async (url, host) => {
    const answer = await strict.api(strict.keys.alice, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: QUERY, database: 'lambda' }, notify_url: url });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ code: 'input_invalid', field: 'notify_url', message: `notify_url: ${JSON.stringify(url)} points to ${host}, ${HINT}` });
  });

  it('REST: a URL of another scheme, by the schema, with the field named', async () => {
    const answer = await strict.api(strict.keys.alice, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: QUERY, database: 'lambda' }, notify_url: 'ftp://hooks.example.org/' });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ code: 'input_invalid', field: 'notify_url', message: 'notify_url: expected an http:// or https:// URL' });
  });

  it('MCP: a private address on a blastn_async call is a tool error naming notify_url, and no job is made', async () => {
    const client = await strict.mcp(strict.keys.alice);
    const call = await client.callTool({ name: 'blastn_async', arguments: { query: QUERY, database: 'lambda', notify_url: 'http://10.0.0.7/hook' } });
    expect(call.isError).toBe(true);
    expect(call.content).toEqual([{ type: 'text', text: `input_invalid: notify_url: "http://10.0.0.7/hook" points to 10.0.0.7, ${HINT}` }]);
    const list = await strict.api<{ jobs: unknown[] }>(strict.keys.alice, 'GET', '/jobs');
    expect(list.body.jobs).toEqual([]);
  });
});
