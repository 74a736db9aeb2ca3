// The workers' health check (scripts/worker-healthcheck.sh, installed in the image and run by
// compose and the Kubernetes livenessProbe) against a real `worker` process of the built CLI on
// the test run's Redis: unhealthy before the worker connects, healthy while it runs, unhealthy
// once it is gone, and unhealthy when Redis cannot be reached.
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, testEnv } from '../support/harness.js';
import { until, workerProcesses } from '../support/worker-processes.js';

const CHECK = path.join(REPO, 'scripts', 'worker-healthcheck.sh');

let env: Record<string, string>;
const workers = workerProcesses(() => env, 'qc');

async function check(extra: Record<string, string> = {}): Promise<{ exitCode: number; stderr: string }> {
  const { exitCode, stderr } = await execa(CHECK, [], { env: { PATH: process.env.PATH!, ...env, ...extra }, extendEnv: false, reject: false });
  return { exitCode: exitCode ?? -1, stderr };
}

beforeAll(async () => {
  ({ env } = await testEnv());
});

afterAll(async () => {
  await workers.stopAll();
});

describe('the worker health check', () => {
  it('fails while no worker of this host is connected, naming the host and prefix', async () => {
    const result = await check();
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`(prefix ${env.BIO_QUEUE_PREFIX})`);
  });

  it('passes while a worker runs, and fails again once it is killed', async () => {
    const worker = workers.start();
    await until('the health check to pass', async () => ((await check()).exitCode === 0 ? true : undefined));
    // Another installation's prefix on the same Redis does not count.
    expect((await check({ BIO_QUEUE_PREFIX: `${env.BIO_QUEUE_PREFIX}x` })).exitCode).toBe(1);
    worker.proc.kill('SIGKILL');
    await worker.proc;
    await until('the health check to fail', async () => ((await check()).exitCode === 1 ? true : undefined));
  });

  it('fails when Redis cannot be reached', async () => {
    expect((await check({ BIO_QUEUE_REDIS_URL: 'redis://127.0.0.1:1' })).exitCode).toBe(1);
  });

  it('fails, saying why, without BIO_QUEUE_REDIS_URL', async () => {
    const { exitCode, stderr } = await execa(CHECK, [], { env: { PATH: process.env.PATH! }, extendEnv: false, reject: false });
    expect(exitCode).not.toBe(0);
    expect(stderr).toContain('BIO_QUEUE_REDIS_URL');
  });
});
