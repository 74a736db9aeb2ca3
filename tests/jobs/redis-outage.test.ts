// Redis goes away and comes back (a restart, a failover): tool calls say so at once instead of
// hanging, and a job that was running when it went away still completes.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../../bench/support/throwaway-redis.js';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';

let redisDir: string;
let redis: ThrowawayRedis;
let h: Harness;
let workload: SyntheticWorkload;
// Persist every write, so a restart loses nothing.
const PERSIST = ['--appendonly', 'yes', '--appendfsync', 'always'];

beforeAll(async () => {
  redisDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-outage-redis-'));
  redis = await startThrowawayRedis(redisDir, { args: PERSIST });
  h = await startHarness({ env: { BIO_QUEUE_REDIS_URL: redis.url } });
  workload = await writeSyntheticWorkload(path.join(h.inputsDir, 'synthetic'), { genomeBases: 2_000_000, reads: 2500, readLength: 250 });
  const build = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { input: workload.genomePath, name: 'synthetic', dbtype: 'nucl' });
  expect((await waitDone(h.client, build.job_id)).status).toBe('completed');
});

afterAll(async () => {
  await h?.close();
  await redis?.stop();
  await fs.rm(redisDir, { recursive: true, force: true });
});

describe('a Redis restart', () => {
  it('fails tool calls clearly while Redis is down, and the running job completes once it is back', async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: workload.readsPath, database: 'synthetic', task: 'blastn' });
    for (;;) {
      const s = await callOk<{ status: string; progress: { message: string } }>(h.client, 'get_job_status', { job_id });
      if (s.status === 'running' && s.progress.message.startsWith('running')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await redis.stop();

    const down = await h.client.callTool({ name: 'get_job_status', arguments: { job_id } });
    expect(down.isError).toBe(true);
    expect((down.content as { text: string }[])[0]!.text).toBe(
      'infrastructure: Redis is not reachable, so the job queue cannot be read or written right now; try again shortly (bio-mcp-queue doctor checks the connection)',
    );

    redis = await startThrowawayRedis(redisDir, { port: redis.port, args: PERSIST });
    const done = await waitDone(h.client, job_id);
    expect(done.status).toBe('completed');
    const result = await callOk<{ summary: { queries_with_hits: number } }>(h.client, 'get_job_result', { job_id });
    expect(result.summary.queries_with_hits).toBe(2500);

    // And the queue takes new work.
    const next = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'synthetic' });
    expect((await waitDone(h.client, next.job_id)).status).toBe('completed');
  });
});
