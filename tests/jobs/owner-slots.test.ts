// The Lua side of the per-owner cap on the test run's real Redis, with lock keys written as
// BullMQ writes them (<prefix>:<queue>:<job id>:lock holding the worker's token): a slot lives as
// long as its lock, held jobs come back highest priority first then oldest, a hold takes back the
// start BullMQ counted, and a held job's status says why it waits.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ownerSlots, type OwnerSlots } from '../../src/jobs/owner-slots.js';
import { heldBackMessage } from '../../src/jobs/job-view.js';

let redis: Redis;
let prefix: string;
let slots: OwnerSlots;

const lockKey = (jobId: string) => `${prefix}:blast:${jobId}:lock`;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  prefix = `t${randomBytes(6).toString('hex')}`;
  slots = ownerSlots(redis, prefix);
});

afterAll(() => redis?.disconnect());

describe('ownerSlots', () => {
  it('gives slots up to the cap, and a slot back once its lock is gone or another token holds it', async () => {
    await redis.set(lockKey('blast-a1'), 'tok1');
    await redis.set(lockKey('blast-a2'), 'tok2');
    expect(await slots.claim('ann', 'blast-a1', 'tok1', 2)).toEqual({ taken: true, running: 1 });
    expect(await slots.claim('ann', 'blast-a1', 'tok1', 2)).toEqual({ taken: true, running: 1 }); // claimed again: still one
    expect(await slots.claim('ann', 'blast-a2', 'tok2', 2)).toEqual({ taken: true, running: 2 });
    await redis.set(lockKey('blast-a3'), 'tok3');
    expect(await slots.claim('ann', 'blast-a3', 'tok3', 2)).toEqual({ taken: false, running: 2 });
    // Another owner's count is its own.
    await redis.set(lockKey('blast-b1'), 'tokb');
    expect(await slots.claim('ben', 'blast-b1', 'tokb', 2)).toEqual({ taken: true, running: 1 });
    // a1's worker died: its lock lapsed. a2's lock was taken over by another attempt.
    await redis.del(lockKey('blast-a1'));
    await redis.set(lockKey('blast-a2'), 'tok2-again');
    expect(await slots.claim('ann', 'blast-a3', 'tok3', 2)).toEqual({ taken: true, running: 1 });
    expect(await slots.claim('ann', 'blast-a2', 'tok2-again', 2)).toEqual({ taken: true, running: 2 });
  });

  it('holds refused jobs in order (priority, then age) and hands back as many as there are free slots', async () => {
    const hash = (id: string) => `${prefix}:blast:${id}`;
    for (const id of ['blast-h1', 'blast-h2', 'blast-h3']) await redis.hset(hash(id), 'ats', '1');
    await redis.set(lockKey('blast-r1'), 'r1');
    await redis.set(lockKey('blast-r2'), 'r2');
    expect((await slots.claim('cy', 'blast-r1', 'r1', 2)).taken).toBe(true);
    expect((await slots.claim('cy', 'blast-r2', 'r2', 2)).taken).toBe(true);
    // h2 is older than h1; h3 has the higher priority (BullMQ's 1 before 6).
    expect(await slots.hold('cy', 'blast', 'blast-h1', 2, 6e13 + 2000)).toBe(true);
    expect(await slots.hold('cy', 'blast', 'blast-h2', 2, 6e13 + 1000)).toBe(true);
    expect(await slots.hold('cy', 'blast', 'blast-h3', 2, 1e13 + 3000)).toBe(true);
    // A hold is no attempt: the start BullMQ counted is taken back.
    expect(await redis.hget(hash('blast-h1'), 'ats')).toBe('0');
    expect(await slots.heldBack('cy', 'blast-h1', undefined)).toEqual({ running: 2, cap: 2 });
    expect(heldBackMessage({ running: 2, cap: 2 })).toBe('waiting: 2 of your jobs are running, cap 2 (BIO_QUEUE_MAX_RUNNING_PER_OWNER)');
    expect(heldBackMessage({ running: 1, cap: 2 })).toBe('waiting: one of your running jobs just ended; your held jobs go back to the queue in turn (cap 2, BIO_QUEUE_MAX_RUNNING_PER_OWNER)');
    expect(await slots.heldBack('cy', 'blast-r1', undefined)).toBeUndefined();

    expect(await slots.release('cy', { jobId: 'blast-r1', token: 'r1' }, 2)).toEqual(['blast-h3']);
    // Both slots free now (r2's lock lapsed): the next two, oldest first.
    await redis.del(lockKey('blast-r2'));
    expect(await slots.release('cy', undefined, 2)).toEqual(['blast-h2', 'blast-h1']);
    expect(await slots.release('cy', undefined, 2)).toEqual([]);
  });

  it('does not hold a job when a slot freed between its refusal and its hold', async () => {
    await redis.hset(`${prefix}:blast:blast-late`, 'ats', '1');
    expect(await slots.hold('dee', 'blast', 'blast-late', 1, 1)).toBe(false);
    expect(await slots.heldBack('dee', 'blast-late', 1)).toBeUndefined();
  });
});
