// readJob on the test run's real Redis and BullMQ: a job that fails between the two reads is seen
// as still running (the state came first), never as failed without its reason, which is how a
// cancelled part of a split search once failed the whole search under load. The state comes from
// our one script (state and queue position together): it must name what BullMQ's own state
// script names, and place a job where the worker takes it from.
import { randomBytes } from 'node:crypto';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { queueReads, readJob } from '../../src/jobs/read-job.js';
import { toJobStatus } from '../../src/jobs/job-view.js';
import { encodeStoredError } from '../../src/errors.js';

let redis: Redis;
let queue: Queue;
let worker: Worker | undefined;
const prefix = `t${randomBytes(6).toString('hex')}`;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  queue = new Queue('blastn', { connection: redis, prefix });
});
afterAll(async () => {
  await worker?.close();
  await queue.close();
  await redis.quit();
});

it('pairs the state with a hash at least as new: a job failing in between reads as running, then as cancelled', async () => {
  let release!: () => void;
  const running = new Promise<void>((started) => {
    worker = new Worker(
      'blastn',
      async (): Promise<void> => {
        started();
        await new Promise<void>((r) => (release = r));
        throw new UnrecoverableError(encodeStoredError({ code: 'cancelled', message: 'cancelled by request' }));
      },
      { connection: redis.duplicate({ maxRetriesPerRequest: null }), prefix },
    );
  });
  const failed = new Promise<void>((r) => worker!.once('failed', () => r()));
  const added = await queue.add('blastn', { tool: 'blastn', params: {}, inputs: {}, owner: 'o', submitted_at: new Date().toISOString() });
  await running;

  // The job fails right after the first of the two reads, whichever that is.
  let firstRead = true;
  const failAfterFirstRead = async <T>(value: T): Promise<T> => {
    if (firstRead) {
      firstRead = false;
      release();
      await failed;
    }
    return value;
  };
  const reads = queueReads(queue, redis);
  const tearing = {
    stateOf: async (id: string) => failAfterFirstRead(await reads.stateOf(id)),
    getJob: async (id: string) => failAfterFirstRead(await reads.getJob(id)),
  };
  const torn = await readJob(tearing, added.id!);
  expect(torn?.state).toBe('active');
  expect(toJobStatus(torn!.job, torn!.state, null).status).toBe('running');

  const after = await readJob(reads, added.id!);
  expect(after?.state).toBe('failed');
  expect(toJobStatus(after!.job, after!.state, null).status).toBe('cancelled');
});

it('is undefined for a job its queue does not have', async () => {
  expect(await readJob(queueReads(queue, redis), 'blastn-no-such-job')).toBeUndefined();
});

it('names the state BullMQ names, and places a waiting job in the order a worker takes it', async () => {
  // A queue of its own with no worker: plain jobs (the wait list) go before prioritized ones,
  // oldest first; among those, the higher priority (the lower number) first.
  const waiting = new Queue('bwa', { connection: redis, prefix });
  try {
    const data = { tool: 'bwa_mem', params: {}, inputs: {}, owner: 'o', submitted_at: new Date().toISOString() };
    const plainFirst = await waiting.add('bwa', data);
    const plainSecond = await waiting.add('bwa', data);
    const low = await waiting.add('bwa', data, { priority: 9 });
    const high = await waiting.add('bwa', data, { priority: 2 });
    const later = await waiting.add('bwa', data, { delay: 60_000 });
    const reads = queueReads(waiting, redis);
    const seen = async (id: string) => {
      const snapshot = await readJob(reads, id);
      return { state: snapshot?.state, bullmq: await waiting.getJobState(id), position: snapshot?.queuePosition, id: snapshot?.job.id };
    };
    expect(await seen(plainFirst.id!)).toEqual({ state: 'waiting', bullmq: 'waiting', position: 1, id: plainFirst.id });
    expect(await seen(plainSecond.id!)).toEqual({ state: 'waiting', bullmq: 'waiting', position: 2, id: plainSecond.id });
    expect(await seen(high.id!)).toEqual({ state: 'prioritized', bullmq: 'prioritized', position: 3, id: high.id });
    expect(await seen(low.id!)).toEqual({ state: 'prioritized', bullmq: 'prioritized', position: 4, id: low.id });
    expect(await seen(later.id!)).toEqual({ state: 'delayed', bullmq: 'delayed', position: null, id: later.id });
  } finally {
    await waiting.obliterate({ force: true });
    await waiting.close();
  }
});

it('reads in one script the job BullMQ reads: the same fields as getJob, for a waiting, a completed and a failed job', async () => {
  const own = new Queue('samtools', { connection: redis, prefix });
  const done = redis.duplicate({ maxRetriesPerRequest: null });
  let ran: Worker | undefined;
  try {
    const data = { tool: 'samtools_sort', params: { a: 1 }, inputs: {}, owner: 'o', submitted_at: new Date().toISOString() };
    const ok = await own.add('samtools', { ...data, params: { outcome: 'ok' } }, { priority: 3, attempts: 2 });
    const bad = await own.add('samtools', { ...data, params: { outcome: 'bad' } }, { priority: 4 });
    const ended = new Promise<void>((resolve) => {
      let count = 0;
      const seen = () => void (++count === 2 && resolve());
      ran = new Worker(
        'samtools',
        async (job) => {
          await job.updateProgress({ percent: 40 });
          if (job.data.params.outcome === 'bad') throw new UnrecoverableError('it went wrong');
          return { files: ['out.bam'] };
        },
        { connection: done, prefix },
      );
      ran.on('completed', seen);
      ran.on('failed', seen);
    });
    await ended;
    await ran!.close();
    const waiting = await own.add('samtools', data, { priority: 7, delay: 0 });
    const reads = queueReads(own, redis);
    for (const [id, state] of [[ok.id!, 'completed'], [bad.id!, 'failed'], [waiting.id!, 'prioritized']] as const) {
      const snapshot = await readJob(reads, id);
      const bull = await own.getJob(id);
      expect(snapshot?.state).toBe(state);
      expect(snapshot!.job.asJSON()).toEqual(bull!.asJSON());
      expect(snapshot!.job.returnvalue).toEqual(bull!.returnvalue);
      expect(snapshot!.job.data).toEqual(bull!.data);
    }
  } finally {
    await ran?.close();
    await own.obliterate({ force: true });
    await own.close();
    await done.quit();
  }
});
