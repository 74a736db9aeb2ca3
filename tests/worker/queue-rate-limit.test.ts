// BIO_QUEUE_RATE_LIMITS on a real worker running real seqkit jobs: with "qc=2/3s" and room for
// three jobs at once, the third starts only once the window of the first two has passed. Read
// from the jobs' own start times, as a lower bound a slow machine can only widen. A queue name
// the catalog does not know is refused when the worker starts, naming it.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';
import { queueLimiters } from '../../worker/queue-rate-limits.js';

const WINDOW_MS = 3000;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { BIO_QUEUE_RATE_LIMITS: `qc=2/${WINDOW_MS}ms`, BIO_QUEUE_WORKER_CONCURRENCY: '3' } });
});

afterAll(async () => h?.close());

describe('a rate limit on the qc queue', () => {
  it('starts the third job only after the first two\'s window', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await callOk<{ job_id: string }>(h.client, 'seqkit_stats_async', { sequences: [path.join(FIXTURES, 'lambda_virus.fa')] })).job_id);
    const done = [];
    for (const id of ids) done.push(await waitDone(h.client, id));
    expect(done.map((s) => s.status)).toEqual(['completed', 'completed', 'completed']);
    const starts = done.map((s) => Date.parse(s.started_at as string)).sort((a, b) => a - b);
    // BullMQ's window opens with the first start; a few ms of slack for the two clocks it is read from.
    expect(starts[2]! - starts[0]!, `starts: ${starts.map((t) => new Date(t).toISOString()).join(', ')}`).toBeGreaterThanOrEqual(WINDOW_MS - 50);
  }, 300_000);
});

describe('queueLimiters', () => {
  it('gives each named queue BullMQ\'s limiter', () => {
    expect([...queueLimiters({ blast: { max: 10, durationMs: 60_000 } })]).toEqual([['blast', { max: 10, duration: 60_000 }]]);
  });

  it('refuses a queue the catalog does not have, and answers a tool\'s name with its queue', () => {
    expect(() => queueLimiters({ blastn: { max: 1, durationMs: 1000 } })).toThrow(/^BIO_QUEUE_RATE_LIMITS: unknown queue "blastn" \("blastn" is a tool; its queue is "blast"\); the queues are: blast, /);
  });
});
