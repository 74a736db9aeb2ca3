// idempotency_key over REST and MCP (Streamable HTTP, and in memory as stdio's owner), on the real
// server stack and Redis: the same key gives back the same job and makes one BullMQ job however
// many submissions race; keys are per owner; a key reused for another submission is refused on
// idempotency_key; once its job is gone the key makes a new job; and a claim left by a server that
// died mid-submit lapses within seconds, so a retry makes the job instead of waiting minutes.
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { claimIdempotencyKey, idempotencyRecordKey } from '../../src/jobs/idempotency.js';
import { connectRedis } from '../../src/redis/redis-target.js';
import { callError, callOk, REPO, startHarness, type Harness } from '../support/harness.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';
import { startReplyCuttingProxy } from '../support/reply-cutting-proxy.js';

const FASTA = '>a\nACGTACGTAC\n';
const submitBody = (key: string, sequences: string[] = [FASTA], priority?: number) => ({
  job_type: 'seqkit_stats',
  parameters: { sequences },
  idempotency_key: key,
  ...(priority === undefined ? {} : { priority }),
});

let h: HttpHarness;
let redis: ReturnType<typeof connectRedis>;
let qc: Queue;
let aliceMcp: Client;

// Every BullMQ job of the qc queue, whatever its state: what "one job" is counted against.
async function qcJobIds(): Promise<string[]> {
  const jobs = await qc.getJobs(['waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed']);
  return jobs.map((j) => j.id!);
}

beforeAll(async () => {
  // No worker: jobs stay queued, so only submission is measured.
  h = await startHttpHarness({ embeddedWorker: false });
  redis = connectRedis({ kind: 'url', url: h.config.redisUrl! }, 'idempotency-test');
  qc = new Queue('qc', { connection: redis, prefix: h.config.prefix });
  aliceMcp = await h.mcp(h.keys.alice);
});

afterAll(async () => {
  await qc?.close();
  redis?.disconnect();
  await h?.close();
});

describe('idempotency_key over REST', () => {
  it('gives back the same job for the same key, and makes one BullMQ job', async () => {
    const before = await qcJobIds();
    const first = await h.api<{ job_id: string; status: string }>(h.keys.alice, 'POST', '/jobs/submit', submitBody('rest-once'));
    const again = await h.api<{ job_id: string; status: string }>(h.keys.alice, 'POST', '/jobs/submit', submitBody('rest-once'));
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect((await qcJobIds()).filter((id) => !before.includes(id))).toEqual([first.body.job_id]);
  });

  it('makes exactly one job of ten concurrent submissions with one key', async () => {
    const before = await qcJobIds();
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.api<{ job_id: string }>(h.keys.alice, 'POST', '/jobs/submit', submitBody('rest-race'))));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    const ids = new Set(answers.map((a) => a.body.job_id));
    expect(ids.size).toBe(1);
    expect((await qcJobIds()).filter((id) => !before.includes(id))).toEqual([...ids]);
  });

  it('keeps keys per owner: alice\'s "shared" and bob\'s "shared" are two jobs, each seeing only its own', async () => {
    const alice = await h.api<{ job_id: string }>(h.keys.alice, 'POST', '/jobs/submit', submitBody('shared'));
    const bob = await h.api<{ job_id: string }>(h.keys.bob, 'POST', '/jobs/submit', submitBody('shared'));
    expect(alice.status).toBe(202);
    expect(bob.status).toBe(202);
    expect(bob.body.job_id).not.toBe(alice.body.job_id);
    expect((await h.api(h.keys.bob, 'GET', `/jobs/${alice.body.job_id}/status`)).status).toBe(404);
  });

  it('refuses a key reused with other parameters or another priority, naming idempotency_key', async () => {
    const first = await h.api<{ job_id: string }>(h.keys.alice, 'POST', '/jobs/submit', submitBody('rest-reused'));
    const expected = (jobId: string) => ({
      code: 'input_invalid',
      field: 'idempotency_key',
      message: `idempotency_key: "rest-reused" was already used for job ${jobId}, submitted with another tool, other parameters or another priority; use a new key for a different submission`,
    });
    const otherParams = await h.api(h.keys.alice, 'POST', '/jobs/submit', submitBody('rest-reused', ['>b\nTTTT\n']));
    expect(otherParams.status).toBe(400);
    expect(otherParams.body).toEqual(expected(first.body.job_id));
    const otherPriority = await h.api(h.keys.alice, 'POST', '/jobs/submit', submitBody('rest-reused', [FASTA], 9));
    expect(otherPriority.body).toEqual(expected(first.body.job_id));
    // The default priority written out is the same submission.
    expect((await h.api<{ job_id: string }>(h.keys.alice, 'POST', '/jobs/submit', submitBody('rest-reused', [FASTA], 5))).body.job_id).toBe(first.body.job_id);
  });

  it('checks the key itself at the edge', async () => {
    const bad = await h.api(h.keys.alice, 'POST', '/jobs/submit', submitBody('has space'));
    expect(bad).toMatchObject({ status: 400, body: { code: 'input_invalid', field: 'idempotency_key', message: 'idempotency_key: expected letters, digits and . _ : + / = - only (a UUID works)' } });
    const long = await h.api(h.keys.alice, 'POST', '/jobs/submit', submitBody('k'.repeat(256)));
    expect(long).toMatchObject({ status: 400, body: { field: 'idempotency_key', message: 'idempotency_key: must be at most 255 characters' } });
  });
});

describe('idempotency_key over MCP', () => {
  it('gives back the same job from every *_async tool call with the key, shared with REST for the same owner', async () => {
    const first = await callOk<{ job_id: string }>(aliceMcp, 'seqkit_stats_async', { sequences: [FASTA], idempotency_key: 'mcp-once' });
    const again = await callOk<{ job_id: string }>(aliceMcp, 'seqkit_stats_async', { sequences: [FASTA], idempotency_key: 'mcp-once' });
    expect(again.job_id).toBe(first.job_id);
    const overRest = await h.api<{ job_id: string }>(h.keys.alice, 'POST', '/jobs/submit', submitBody('mcp-once'));
    expect(overRest.body.job_id).toBe(first.job_id);
    const bobMcp = await h.mcp(h.keys.bob);
    expect((await callOk<{ job_id: string }>(bobMcp, 'seqkit_stats_async', { sequences: [FASTA], idempotency_key: 'mcp-once' })).job_id).not.toBe(first.job_id);
  });

  it('makes one job of ten concurrent calls, and refuses the key with other parameters as a tool error', async () => {
    const before = await qcJobIds();
    const answers = await Promise.all(Array.from({ length: 10 }, () => callOk<{ job_id: string }>(aliceMcp, 'seqkit_stats_async', { sequences: [FASTA], idempotency_key: 'mcp-race' })));
    expect(new Set(answers.map((a) => a.job_id)).size).toBe(1);
    expect((await qcJobIds()).filter((id) => !before.includes(id))).toEqual([answers[0]!.job_id]);
    expect(await callError(aliceMcp, 'seqkit_stats_async', { sequences: ['>c\nGGGG\n'], idempotency_key: 'mcp-race' })).toBe(
      `input_invalid: idempotency_key: "mcp-race" was already used for job ${answers[0]!.job_id}, submitted with another tool, other parameters or another priority; use a new key for a different submission`,
    );
  });
});

describe('once the job is gone', () => {
  let short: Harness;
  beforeAll(async () => {
    // 0.00003 days = 2.6 s of retention; stdio's caller, in memory.
    short = await startHarness({ embeddedWorker: false, env: { BIO_STORAGE_RETENTION_DAYS: '0.00003' } });
  });
  afterAll(async () => short?.close());

  it('frees the key: the same key then makes a new job', async () => {
    const first = await callOk<{ job_id: string }>(short.client, 'seqkit_stats_async', { sequences: [FASTA], idempotency_key: 'after-retention' });
    expect((await callOk<{ job_id: string }>(short.client, 'seqkit_stats_async', { sequences: [FASTA], idempotency_key: 'after-retention' })).job_id).toBe(first.job_id);
    // Cancelled while queued, the job is kept as a tombstone for the retention time, then gone.
    expect((await callOk<{ status: string }>(short.client, 'cancel_job', { job_id: first.job_id })).status).toBe('cancelled');
    for (let i = 0; i < 100; i++) {
      const gone = (await short.client.callTool({ name: 'get_job_status', arguments: { job_id: first.job_id } })).isError === true;
      if (gone) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await callError(short.client, 'get_job_status', { job_id: first.job_id })).toMatch(/^not_found:/);
    const next = await callOk<{ job_id: string; status: string }>(short.client, 'seqkit_stats_async', { sequences: ['>other\nAAAA\n'], idempotency_key: 'after-retention' });
    expect(next.job_id).not.toBe(first.job_id);
    expect(next.status).toBe('queued');
  });
});

describe('when the server making the job dies after claiming the key', () => {
  // A real process claims the key through the built module and is SIGKILLed, as a `serve` killed
  // mid-submit (or cut off from Redis before it queued the job) would be: nothing releases it.
  it('lets a retry make the job once the dead claim lapses, instead of answering conflict', { timeout: 120_000 }, async () => {
    const url = inject('redisUrl');
    const prefix = `t${randomBytes(6).toString('hex')}`;
    const claimer = execa(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { Redis } from 'ioredis';
         import { claimIdempotencyKey } from './dist/src/jobs/idempotency.js';
         const redis = new Redis(process.env.REDIS_URL);
         const claim = await claimIdempotencyKey({ redis, prefix: process.env.PREFIX, owner: 'alice', key: 'dead-server', fingerprint: 'f', jobId: 'job-of-the-dead', jobExists: async () => false, retentionMs: 60_000 });
         console.log(claim.kind);
         setInterval(() => {}, 1000);`,
      ],
      { cwd: REPO, env: { REDIS_URL: url, PREFIX: prefix }, reject: false, buffer: false },
    );
    const said = await new Promise<string>((resolve) => claimer.stdout!.once('data', (chunk: Buffer) => resolve(String(chunk).trim())));
    expect(said).toBe('new');
    claimer.kill('SIGKILL');
    await claimer;

    const redis = new Redis(url);
    try {
      const recordKey = idempotencyRecordKey(prefix, 'alice', 'dead-server');
      expect(JSON.parse((await redis.get(recordKey))!)).toMatchObject({ job_id: 'job-of-the-dead', state: 'pending' });
      // The retry waits for the dead claim (at most a minute before answering conflict), then takes the key.
      const retry = await claimIdempotencyKey({ redis, prefix, owner: 'alice', key: 'dead-server', fingerprint: 'f', jobId: 'job-of-the-retry', jobExists: async () => false, retentionMs: 60_000 });
      expect(retry).toMatchObject({ kind: 'new', jobId: 'job-of-the-retry' });
      if (retry.kind !== 'new') return;
      await retry.confirm();
      expect(JSON.parse((await redis.get(recordKey))!)).toEqual({ job_id: 'job-of-the-retry', fingerprint: 'f', state: 'queued' });
    } finally {
      redis.disconnect();
    }
  });
});

describe('when Redis ran the claim but its reply was lost', () => {
  // ioredis sends the unanswered MULTI again after reconnecting; its SET NX then finds the
  // reservation the first one made. Before, the claim took that for another submission's and
  // waited on itself, polling, until the reservation lapsed (a Redis restart under a chaos run).
  it('knows its own reservation and goes on at once', async () => {
    const proxy = await startReplyCuttingProxy(inject('redisUrl'));
    const redis = new Redis(proxy.url, { maxRetriesPerRequest: 3 });
    redis.on('error', () => undefined);
    try {
      const prefix = `t${randomBytes(6).toString('hex')}`;
      const recordKey = idempotencyRecordKey(prefix, 'alice', 'lost-reply');
      // The transaction's EXEC answers with an array of two: SET's OK and ZADD's count.
      proxy.cutReplyTo(recordKey, '*2\r\n');
      const claim = await claimIdempotencyKey({ redis, prefix, owner: 'alice', key: 'lost-reply', fingerprint: 'f', jobId: 'job-1', jobExists: async () => false, retentionMs: 60_000 });
      expect(claim).toMatchObject({ kind: 'new', jobId: 'job-1' });
      // The transaction twice (its SET and ZADD name the key), then one GET: not a poll every 50 ms.
      expect(proxy.timesSent(recordKey)).toBe(5);
      expect(JSON.parse((await redis.get(recordKey))!)).toEqual({ job_id: 'job-1', fingerprint: 'f', state: 'pending' });
      if (claim.kind === 'new') await claim.release();
    } finally {
      redis.disconnect();
      await proxy.close();
    }
  });
});

describe('a wait for another submission, abandoned by its caller', () => {
  it('stops polling once its caller is gone (the signal the REST route and the MCP handlers pass)', async () => {
    const proxy = await startReplyCuttingProxy(inject('redisUrl'));
    const redis = new Redis(proxy.url);
    try {
      const prefix = `t${randomBytes(6).toString('hex')}`;
      const recordKey = idempotencyRecordKey(prefix, 'alice', 'abandoned');
      const base = { redis, prefix, owner: 'alice', key: 'abandoned', fingerprint: 'f', jobExists: async () => false, retentionMs: 60_000 };
      // The first submission holds the key, still staging.
      const first = await claimIdempotencyKey({ ...base, jobId: 'job-first' });
      expect(first.kind).toBe('new');
      const gone = new AbortController();
      const waiting = claimIdempotencyKey({ ...base, jobId: 'job-second', signal: gone.signal });
      const polled = proxy.timesSent(recordKey);
      await vi.waitFor(() => expect(proxy.timesSent(recordKey)).toBeGreaterThan(polled + 3));
      gone.abort();
      await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
      const after = proxy.timesSent(recordKey);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Polling every 50 ms, the wait would have sent the key another dozen times by now.
      expect(proxy.timesSent(recordKey)).toBe(after);
      if (first.kind === 'new') await first.release();
    } finally {
      redis.disconnect();
      await proxy.close();
    }
  });
});
