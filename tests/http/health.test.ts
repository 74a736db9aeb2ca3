// /health checks for real: Redis, storage and the live workers. It needs no key (load balancers
// and compose health checks call it), answers 503 while Redis is down and 200 once it is back.
// The Redis here is a throwaway of this file's own, since the test stops it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../src/jobs/job-model.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../../bench/support/throwaway-redis.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';
import { startS3Server } from '../support/s3-server.js';

let redisDir: string;
let redis: ThrowawayRedis;
let h: HttpHarness;

beforeAll(async () => {
  redisDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-health-redis-'));
  redis = await startThrowawayRedis(redisDir);
  h = await startHttpHarness({ env: { BIO_QUEUE_REDIS_URL: redis.url } });
});

afterAll(async () => {
  await h?.close();
  await redis?.stop();
  await fs.rm(redisDir, { recursive: true, force: true });
});

describe('GET /health', () => {
  it('is 200 with Redis, local storage and the embedded worker counted', async () => {
    const answer = await h.api<HealthReport>(undefined, 'GET', '/health');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ok: true, redis: { ok: true }, storage: { ok: true, backend: 'local' }, workers: 1 });
  });

  it('is 503 naming Redis while it is down, and 200 again once it is back', async () => {
    await redis.stop();
    const down = await h.api<HealthReport>(undefined, 'GET', '/health');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ok: false, redis: { ok: false, error: expect.any(String) }, storage: { ok: true, backend: 'local' }, workers: 0 });

    redis = await startThrowawayRedis(redisDir, { port: redis.port });
    // The server reconnects on its own; the worker re-registers once its connection is back.
    let up = await h.api<HealthReport>(undefined, 'GET', '/health');
    while (up.status !== 200 || up.body.workers !== 1) {
      await new Promise((r) => setTimeout(r, 100));
      up = await h.api<HealthReport>(undefined, 'GET', '/health');
    }
    expect(up.body).toEqual({ ok: true, redis: { ok: true }, storage: { ok: true, backend: 'local' }, workers: 1 });
  });
});

describe('GET /health with S3 storage', () => {
  it('is 503 naming the storage while the S3 store does not answer', async () => {
    const s3 = await startS3Server();
    const server = await startHttpHarness({ embeddedWorker: false, env: s3.env('health-bucket') });
    try {
      const up = await server.api<HealthReport>(undefined, 'GET', '/health');
      expect(up.status).toBe(200);
      expect(up.body).toEqual({ ok: true, redis: { ok: true }, storage: { ok: true, backend: 's3' }, workers: 0 });
      await s3.stop();
      const down = await server.api<HealthReport>(undefined, 'GET', '/health');
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ ok: false, redis: { ok: true }, storage: { ok: false, backend: 's3', error: expect.stringContaining('health-bucket') } });
    } finally {
      await server.close();
      await s3.remove();
    }
  });
});
