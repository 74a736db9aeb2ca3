// A server or worker whose Redis has gone still stops when asked: stdin closing (stdio) or
// SIGTERM ends the process within the drain time and a few seconds, as an orderly stop (exit
// 0), however long Redis stays away. Before, two stdio servers whose Redis had been stopped ran
// on through repeated SIGTERMs. The wait below is generous; what is asserted is that the
// process exited, and how.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { startThrowawayRedis, type ThrowawayRedis } from '../../bench/support/throwaway-redis.js';
import { FIXTURES, REPO, testEnv } from '../support/harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
// The drain time plus SHUTDOWN_GRACE_MS is the bound the process holds itself to; this is only
// how long the test waits before calling it a hang.
const GIVE_UP_MS = 90_000;

let redis: ThrowawayRedis | undefined;
let redisDir: string | undefined;
let child: ResultPromise | undefined;

afterEach(async () => {
  child?.kill('SIGKILL');
  await child?.catch(() => undefined);
  await redis?.stop();
  if (redisDir) await fs.rm(redisDir, { recursive: true, force: true });
  child = redis = redisDir = undefined;
});

// Starts the command against a Redis of its own, waits until it says `ready`, then stops Redis.
// beforeStop runs while Redis is still up, with what the process has logged so far.
async function startThenStopRedis(
  args: string[],
  ready: string,
  extraEnv: Record<string, string> = {},
  beforeStop: (stderr: string) => Promise<void> = async () => undefined,
): Promise<{ proc: ResultPromise; stderr: () => string; dataDir: string }> {
  redisDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-shutdown-redis-'));
  redis = await startThrowawayRedis(redisDir);
  const { env, dataDir } = await testEnv({
    BIO_QUEUE_REDIS_URL: redis.url,
    BIO_QUEUE_EMBEDDED_WORKER: 'false',
    BIO_QUEUE_LOG_LEVEL: 'info',
    BIO_QUEUE_DRAIN_TIMEOUT_SECONDS: '1',
    BIO_QUEUE_API_KEYS: 'alice:a-key-long-enough-for-the-test',
    BIO_QUEUE_PORT: '0',
    ...extraEnv,
  });
  let stderr = '';
  const proc = execa(process.execPath, [MAIN, ...args], { env, stdin: 'pipe', reject: false, forceKillAfterDelay: false, timeout: GIVE_UP_MS });
  child = proc;
  await new Promise<void>((resolve, reject) => {
    proc.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(ready)) resolve();
    });
    void proc.then((r) => reject(new Error(`exited before it was ready (${r.exitCode}): ${stderr}`)));
  });
  await beforeStop(stderr);
  await redis.stop();
  return { proc, stderr: () => stderr, dataDir };
}

async function expectOrderlyExit(proc: ResultPromise, stderr: () => string, dataDir: string): Promise<void> {
  const end = await proc;
  await fs.rm(dataDir, { recursive: true, force: true });
  // Not killed by the test's own time limit, and not by the shutdown deadline's exit 1 either.
  expect(end.timedOut, stderr()).toBe(false);
  expect(end.signal).toBeUndefined();
  expect(end.exitCode, stderr()).toBe(0);
}

describe('shutdown with Redis stopped', () => {
  it('stdio: ends when the client closes stdin', async () => {
    const { proc, stderr, dataDir } = await startThenStopRedis([], 'MCP server ready on stdio');
    proc.stdin!.end();
    await expectOrderlyExit(proc, stderr, dataDir);
    expect(stderr()).toContain('"why":"stdin ended"');
  });

  it('stdio: ends on SIGTERM', async () => {
    const { proc, stderr, dataDir } = await startThenStopRedis([], 'MCP server ready on stdio');
    proc.kill('SIGTERM');
    await expectOrderlyExit(proc, stderr, dataDir);
  });

  it('stdio: ends when stdin closes while it is still waiting for a Redis that is not there', async () => {
    const { env, dataDir } = await testEnv({ BIO_QUEUE_REDIS_URL: 'redis://127.0.0.1:1', BIO_QUEUE_EMBEDDED_WORKER: 'false', BIO_QUEUE_DRAIN_TIMEOUT_SECONDS: '1', BIO_QUEUE_LOG_LEVEL: 'info' });
    const proc = execa(process.execPath, [MAIN], { env, stdin: 'pipe', reject: false, forceKillAfterDelay: false, timeout: GIVE_UP_MS });
    child = proc;
    let stderr = '';
    proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise((r) => setTimeout(r, 1000));
    proc.stdin!.end();
    await expectOrderlyExit(proc, () => stderr, dataDir);
  });

  it('serve: ends on SIGTERM', async () => {
    const { proc, stderr, dataDir } = await startThenStopRedis(['serve'], 'serving MCP');
    proc.kill('SIGTERM');
    await expectOrderlyExit(proc, stderr, dataDir);
  });

  it('serve: ends on SIGTERM with a pipeline submitted (its flow producer is closed with the rest)', async () => {
    const { proc, stderr, dataDir } = await startThenStopRedis(['serve'], 'serving MCP', {}, async (logged) => {
      const line = logged.split('\n').find((l) => l.includes('serving MCP'))!;
      const { url } = JSON.parse(line) as { url: string };
      const answer = await fetch(`${url}/jobs/submit`, {
        method: 'POST',
        headers: { Authorization: 'Bearer a-key-long-enough-for-the-test', 'Content-Type': 'application/json' },
        body: JSON.stringify({ job_type: 'qc_and_align', parameters: { reference: path.join(FIXTURES, 'lambda_virus.fa'), reads_1: path.join(FIXTURES, 'lambda_reads_1.fq.gz') } }),
      });
      expect(answer.status, await answer.clone().text()).toBe(202);
    });
    proc.kill('SIGTERM');
    await expectOrderlyExit(proc, stderr, dataDir);
  });

  it('worker: ends on SIGTERM', async () => {
    const { proc, stderr, dataDir } = await startThenStopRedis(['worker', '--queues', 'blast'], 'worker ready');
    proc.kill('SIGTERM');
    await expectOrderlyExit(proc, stderr, dataDir);
    // Its tool spawner was closed, not lost.
    expect(stderr()).not.toContain('the tool spawner exited');
  });
});
