// readJob on the test run's real Redis and BullMQ: a job that fails between the two reads is seen
// as still running (the state came first), never as failed without its reason, which is how a
// cancelled part of a split search once failed the whole search under load.
import { randomBytes } from 'node:crypto';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { readJob } from '../../src/jobs/read-job.js';
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
  const tearing = {
    getJobState: async (id: string) => failAfterFirstRead(await queue.getJobState(id)),
    getJob: async (id: string) => failAfterFirstRead(await queue.getJob(id)),
  };
  const torn = await readJob(tearing, added.id!);
  expect(torn?.state).toBe('active');
  expect(toJobStatus(torn!.job, torn!.state, null).status).toBe('running');

  const after = await readJob(queue, added.id!);
  expect(after?.state).toBe('failed');
  expect(toJobStatus(after!.job, after!.state, null).status).toBe('cancelled');
});

it('is undefined for a job its queue does not have', async () => {
  expect(await readJob(queue, 'blastn-no-such-job')).toBeUndefined();
});
