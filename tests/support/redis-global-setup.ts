// Starts one throwaway redis-server on a free port for the whole test run, so the suite needs
// no Redis of the machine's. Each test isolates itself with its own key prefix.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startThrowawayRedis } from '../../bench/support/throwaway-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-test-redis-'));
  const redis = await startThrowawayRedis(dir);
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
    await fs.rm(dir, { recursive: true, force: true });
  };
}
