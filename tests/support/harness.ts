// A real server stack for a test: the test run's redis-server with a key prefix of its own, a
// temp data dir, an in-process worker, and the MCP SDK's own Client connected in memory.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createMcpServer } from '../../src/mcp/create-server.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { LOCAL_CALLER } from '../../src/jobs/caller.js';

export const REPO = path.resolve(import.meta.dirname, '..', '..');
export const FIXTURES = path.join(REPO, 'fixtures');

export interface Harness {
  config: Config;
  runtime: Runtime;
  client: Client;
  dataDir: string;
  /** A folder inside the input roots for files a test writes. */
  inputsDir: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The environment a test's server (or child process) runs with. */
export async function testEnv(extra: Record<string, string> = {}): Promise<{ env: Record<string, string>; dataDir: string; inputsDir: string }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-test-'));
  const inputsDir = path.join(dataDir, 'inputs');
  await fs.mkdir(inputsDir);
  const env = {
    BIO_QUEUE_REDIS_URL: inject('redisUrl'),
    BIO_QUEUE_DATA_DIR: dataDir,
    BIO_QUEUE_PREFIX: `t${randomBytes(6).toString('hex')}`,
    BIO_QUEUE_INPUT_ROOTS: [FIXTURES, inputsDir].join(path.delimiter),
    BIO_QUEUE_LOG_LEVEL: 'silent',
    BIO_QUEUE_TOOL_THREADS: '1',
    ...extra,
  };
  return { env, dataDir, inputsDir };
}

/** publicUrl: as `serve` runs it, local storage signing HTTP links (and taking uploads) for that address. */
export async function startHarness(options: { env?: Record<string, string>; embeddedWorker?: boolean; publicUrl?: string } = {}): Promise<Harness> {
  const { env, dataDir, inputsDir } = await testEnv(options.env);
  const config = loadConfig(env);
  const log = createLogger(config.logLevel);
  const runtime = await startRuntime(config, log, { embeddedWorker: options.embeddedWorker ?? true, publicUrl: options.publicUrl });
  const server = createMcpServer({ jobs: runtime.jobs, config, log, caller: LOCAL_CALLER });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientTransport);
  return {
    config,
    runtime,
    client,
    dataDir,
    inputsDir,
    env,
    async close() {
      await client.close();
      await server.close();
      await runtime.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

type ToolAnswer = { structuredContent?: Record<string, unknown>; isError?: boolean; content: { type: string; text?: string }[] };

/** Calls a tool and returns its structured content, failing the test on an error result. */
export async function callOk<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = (await client.callTool({ name, arguments: args })) as ToolAnswer;
  if (result.isError) throw new Error(`${name} returned an error: ${result.content.map((c) => c.text).join(' ')}`);
  return result.structuredContent as T;
}

/** Calls a tool that must fail and returns its error text. */
export async function callError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as ToolAnswer;
  if (!result.isError) throw new Error(`${name} succeeded but should have failed: ${JSON.stringify(result.structuredContent)}`);
  return result.content.map((c) => c.text).join(' ');
}

/** Waits (through wait_for_job, as a client would) until the job has ended. */
export async function waitDone(client: Client, jobId: string): Promise<Record<string, unknown> & { status: string }> {
  for (;;) {
    const status = await callOk<{ status: string; timed_out: boolean }>(client, 'wait_for_job', { job_id: jobId, timeout_seconds: 20 });
    if (!status.timed_out) return status as Record<string, unknown> & { status: string };
  }
}
