// The worker's heartbeat records on the test run's real Redis, every write seen through MONITOR:
// a job shorter than SHOW_AFTER_MS is never written, even while a longer one beside it is, and
// the longer one is written when it shows and when it ends. Before, the record written at the
// longer job's moments listed the tiny job running beside it, whose end then wrote a record
// listing the next one: jobs back to back beside a long one wrote a record each.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { workerRegistryKeys, type Heartbeat } from '../../src/jobs/worker-registry.js';
import { createLogger } from '../../src/logger.js';
import { SHOW_AFTER_MS, startWorkerHeartbeat } from '../../worker/worker-heartbeat.js';

let redis: Redis;
let monitor: Redis;
const prefix = `t${randomBytes(6).toString('hex')}`;
const records: Heartbeat[] = [];

// ioredis marks a connection as monitoring only once MONITOR's reply has been handled: commands
// of other test files that reach the shared Redis in the same moment come back in the same packet,
// are each taken for a reply nobody asked for, and fail the start with an 'error' apiece. Another
// try soon meets a quiet moment: a CI run failed on it once, when one INFO came at the wrong time.
// (Three clients sending INFO without a pause beside it fail 131 starts of 150.)
async function startMonitor(url: string): Promise<Redis> {
  for (let attempt = 1; ; attempt += 1) {
    const connection = new Redis(url, { monitor: true });
    let failure: unknown;
    // Kept for the connection's life: a failed start emits several errors at once.
    connection.on('error', (err: unknown) => (failure ??= err));
    const monitoring = await new Promise<boolean>((resolve) => {
      connection.once('monitoring', () => resolve(true));
      connection.once('error', () => resolve(false));
    });
    if (monitoring) return connection;
    connection.disconnect();
    if (attempt === 20 || !(failure instanceof Error) || !failure.message.startsWith('Command queue state error')) throw failure;
    await sleep(10);
  }
}

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  monitor = await startMonitor(inject('redisUrl'));
  const key = workerRegistryKeys(prefix).heartbeat('w1');
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[0]?.toLowerCase() === 'set' && args[1] === key) records.push(JSON.parse(args[2]!) as Heartbeat);
  });
});

afterAll(() => {
  monitor?.disconnect();
  redis?.disconnect();
});

const job = (id: string) => ({ id, queueName: 'blast', data: { tool: 'blastn' } }) as Job<{ tool: string }>;

it('never writes a job shorter than SHOW_AFTER_MS, and writes a longer one when it shows and when it ends', async () => {
  const heartbeat = await startWorkerHeartbeat({ redis, prefix, id: 'w1', queues: ['blast'], concurrency: 2, threads: 1, log: createLogger('silent') });
  const run = heartbeat.track(async (_job: Job<{ tool: string }>, ms?: string) => sleep(Number(ms)));
  // One lane runs a long job; the other runs tiny jobs back to back for as long, and a while after.
  const tiny = (async () => {
    for (let i = 0; i < 30; i++) await run(job(`tiny-${i}`), '25');
  })();
  await run(job('long'), String(SHOW_AFTER_MS + 300));
  await tiny;
  await heartbeat.close();
  // MONITOR's copy of the last write may come a moment after its reply.
  for (let i = 0; i < 50 && records.length < 3; i++) await sleep(20);

  const listed = records.map((r) => r.running_jobs.map((j) => j.job_id));
  // The start, the long job shown, its end: nothing for the thirty tiny ones.
  expect(listed).toEqual([[], ['long'], []]);
});
