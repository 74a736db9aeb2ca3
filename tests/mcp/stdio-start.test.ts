// A desktop client waits for `initialize` at every launch, so the stdio server answers it before
// it loads what only jobs need (BullMQ, ioredis, the worker's execa, and never the HTTP stack or
// the AWS SDK for local storage: bench/stdio-start.ts times it, issue 11), and from the bundle
// alone, without looking up a file in node_modules. What was loaded is read
// from the real process (tests/fixtures/loaded-before-answer.mjs), not from a timing. Deferring
// the start must cost nothing else: a call sent with the handshake is answered once Redis is up,
// and a start that fails still ends the process with its message and exit code.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, REPO, testEnv } from '../support/harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const HOOK = path.join(REPO, 'tests', 'fixtures', 'loaded-before-answer.mjs');
const PROTOCOL_VERSION = '2025-06-18';

type Message = { id?: number; result?: Record<string, unknown>; error?: unknown };

interface Run {
  /** Every message the server wrote, in order, once it has exited. */
  messages: Message[];
  stderr: string;
  exitCode: number | null;
}

const dataDirs: string[] = [];
afterEach(async () => {
  for (const dir of dataDirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

// Starts the server with env, writes the messages at once (as a client does at launch), closes
// stdin once `until` is answered, and resolves when the process has exited.
async function runServer(env: Record<string, string>, messages: object[], until: number, nodeArgs: string[] = []): Promise<Run> {
  const child = spawn(process.execPath, [...nodeArgs, MAIN], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const run: Run = { messages: [], stderr: '', exitCode: null };
  let pending = '';
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const message = JSON.parse(pending.slice(0, nl)) as Message;
      pending = pending.slice(nl + 1);
      run.messages.push(message);
      if (message.id === until) child.stdin.end();
    }
  });
  child.stdin.write(messages.map((m) => `${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`).join(''));
  run.exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return run;
}

const initialize = { id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'stdio-start-test', version: '1.0.0' } } };
const initialized = { method: 'notifications/initialized' };

function expectInitializeAnswered(run: Run): void {
  const answer = run.messages.find((m) => m.id === 1);
  expect(answer?.result, run.stderr).toMatchObject({ protocolVersion: PROTOCOL_VERSION, serverInfo: { name: 'bio-mcp-queue' } });
}

describe('stdio start', () => {
  it('answers initialize before loading BullMQ, ioredis, execa, express or the AWS SDK, then answers calls', async () => {
    const { env, dataDir } = await testEnv({ BIO_QUEUE_LOG_LEVEL: 'warn' });
    dataDirs.push(dataDir);
    const run = await runServer(env, [initialize, initialized, { id: 2, method: 'tools/call', params: { name: 'list_jobs', arguments: {} } }], 2, ['--import', HOOK]);
    expect(run.exitCode, run.stderr).toBe(0);
    expectInitializeAnswered(run);
    const lines = run.stderr.split('\n');
    const answeredAt = lines.indexOf('answered');
    expect(answeredAt, run.stderr).toBeGreaterThan(0);
    const packageOf = (line: string) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line)?.[1];
    const loadedBefore = lines.slice(0, answeredAt).filter((l) => l.startsWith('loaded: file:'));
    const before = new Set(loadedBefore.map(packageOf).filter((p) => p !== undefined));
    const after = new Set(lines.slice(answeredAt).filter((l) => l.startsWith('loaded: ')).map(packageOf).filter((p) => p !== undefined));
    // The scan saw the loads: the bundle's files before the answer, BullMQ after it.
    expect(loadedBefore, run.stderr).toContainEqual(`loaded: file://${MAIN}`);
    expect([...after]).toEqual(expect.arrayContaining(['bullmq', 'ioredis']));
    // The answer comes from the bundle alone (scripts/bundle-cli.ts): the MCP SDK, zod and pino
    // are in it, so no file is looked up in node_modules before it.
    expect([...before]).toEqual([]);
    // And from a handful of files, not the ~400 the unbundled start loaded one by one.
    expect(loadedBefore.length, loadedBefore.join('\n')).toBeLessThan(40);
    const deferred = ['bullmq', 'ioredis', 'execa', 'express', '@aws-sdk/client-s3', '@aws-sdk/lib-storage', '@aws-sdk/s3-request-presigner'];
    expect([...before].filter((p) => deferred.includes(p))).toEqual([]);
    expect([...after].filter((p) => p === 'express' || p.startsWith('@aws-sdk/'))).toEqual([]);
    // The call sent with the handshake waited for Redis and was answered from it.
    const listed = run.messages.find((m) => m.id === 2)?.result as { isError?: boolean; structuredContent?: { jobs: unknown[] } };
    expect(listed.isError, JSON.stringify(listed)).toBeUndefined();
    expect(listed.structuredContent?.jobs).toEqual([]);
  });

  it('still ends with the start\'s own message and exit code when the start fails after the handshake', async () => {
    // S3 storage that nothing answers: the start stops when it checks the bucket.
    const { env, dataDir } = await testEnv({
      BIO_QUEUE_LOG_LEVEL: 'warn',
      BIO_STORAGE_BACKEND: 's3',
      BIO_STORAGE_MINIO_ENDPOINT: 'http://127.0.0.1:9',
      BIO_STORAGE_MINIO_ACCESS_KEY: 'key-of-nothing',
      BIO_STORAGE_MINIO_SECRET_KEY: 'secret-of-nothing',
      BIO_STORAGE_BUCKET_NAME: 'no-such-bucket',
    });
    dataDirs.push(dataDir);
    const run = await runServer(env, [initialize, initialized], -1);
    expectInitializeAnswered(run);
    // Storage that cannot be reached: exit 4, as every command says it (src/error-mapping.ts).
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toMatch(/^bio-mcp-queue: S3 storage at http:\/\/127\.0\.0\.1:9, bucket "no-such-bucket": checking the bucket failed: .*ECONNREFUSED/m);
  });
});
