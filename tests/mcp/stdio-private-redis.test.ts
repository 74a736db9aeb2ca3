// With no BIO_QUEUE_REDIS_URL, `bio-mcp-queue` starts a private redis-server on a unix socket
// under the data dir; a second instance shares it, and it outlives both for the next one.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { privateRedisPaths, stopPrivateRedis } from '../../src/redis/private-redis.js';
import { callOk, FIXTURES, REPO, waitDone } from '../support/harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const clients: Client[] = [];
let dataDir: string;

async function connect(): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MAIN],
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, BIO_QUEUE_DATA_DIR: dataDir, BIO_QUEUE_INPUT_ROOTS: FIXTURES, BIO_QUEUE_LOG_LEVEL: 'warn' },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'private-redis-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  if (dataDir) {
    await stopPrivateRedis(privateRedisPaths(dataDir).socketPath).catch(() => undefined);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

describe('the private Redis', () => {
  it('is started by the first instance, shared by the second, and left running after both', async () => {
    // A short path: unix socket paths are limited to ~107 bytes.
    dataDir = await fs.mkdtemp('/tmp/bq-');
    const first = await connect();
    const second = await connect();
    const { socketPath } = privateRedisPaths(dataDir);

    const build = await callOk<{ job_id: string }>(first, 'make_blast_db_async', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
    // Seen from the other instance: one Redis, one queue.
    expect((await waitDone(second, build.job_id)).status).toBe('completed');

    const redis = new Redis({ path: socketPath, lazyConnect: true });
    await redis.connect();
    expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    const clientNames = (await redis.client('LIST')) as string;
    expect(clientNames.split('\n').filter((l) => l.includes('name=bio-mcp-queue:server')).length).toBe(2);
    redis.disconnect();

    for (const c of clients.splice(0)) await c.close();
    const again = new Redis({ path: socketPath, lazyConnect: true });
    await again.connect();
    expect(await again.ping()).toBe('PONG');
    again.disconnect();

    // The next instance finds the job of the earlier ones.
    const third = await connect();
    expect((await callOk<{ status: string }>(third, 'get_job_status', { job_id: build.job_id })).status).toBe('completed');
  });
});
