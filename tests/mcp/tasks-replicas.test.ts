// Tasks live in Redis, not in a server: two servers on one Redis answer for each other's tasks,
// and a stdio server restarted in the middle of a task finds it again — on real Redis, with a
// real worker running a real blastn.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, CreateTaskResultSchema, TaskStatusNotificationSchema, type Task } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, FIXTURES, REPO, testEnv, waitDone } from '../support/harness.js';
import { startReplica, type Replica } from '../support/replicas.js';
import { startHttpHarness } from '../support/http-harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const QUERY = path.join(FIXTURES, 'lambda_queries.fa');
const BLASTN = { query: QUERY, database: 'lambda' };
let env: Record<string, string>;
let dataDir: string;

async function createTask(c: Client, name: string, args: Record<string, unknown>): Promise<Task> {
  const { task } = await c.request({ method: 'tools/call', params: { name, arguments: args, task: {} } }, CreateTaskResultSchema);
  return task;
}

beforeAll(async () => {
  await fs.access(MAIN).catch(() => {
    throw new Error(`${MAIN} is missing: run "npm run build" (npm test does it first)`);
  });
  ({ env, dataDir } = await testEnv());
  const builder = await startReplica(env, { embeddedWorker: true });
  try {
    const client = await builder.connect();
    const build = await callOk<{ job_id: string }>(client, 'make_blast_db_async', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
    expect((await waitDone(client, build.job_id)).status).toBe('completed');
  } finally {
    await builder.close();
  }
});

afterAll(async () => fs.rm(dataDir, { recursive: true, force: true }));

describe('two servers on one Redis', () => {
  let a: Replica;
  let b: Replica;
  const alice = { owner: 'alice', admin: false, remote: true };

  beforeAll(async () => {
    // Neither runs a worker: a task stays queued until the test starts one.
    a = await startReplica(env, { embeddedWorker: false });
    b = await startReplica(env, { embeddedWorker: false });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('answers tasks/get, tasks/list and tasks/cancel on one server for a task created on the other', async () => {
    const onA = await a.connect(alice);
    const onB = await b.connect(alice);
    const task = await createTask(onA, 'blastn_async', BLASTN);
    expect(await onB.experimental.tasks.getTask(task.taskId)).toMatchObject({ taskId: task.taskId, status: 'working', statusMessage: expect.stringContaining('queued') });
    expect((await onB.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toContain(task.taskId);
    expect(await onB.experimental.tasks.cancelTask(task.taskId)).toMatchObject({ taskId: task.taskId, status: 'cancelled' });
    expect(await onA.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'cancelled' });
    // Still scoped by owner on every server.
    const bobOnB = await b.connect({ owner: 'bob', admin: false, remote: true });
    await expect(bobOnB.experimental.tasks.getTask(task.taskId)).rejects.toThrow(/not found/i);
  });

  it('gives on one server the result of a task created on the other, run by a worker of a third', async () => {
    const task = await createTask(await a.connect(alice), 'blastn_async', BLASTN);
    const worker = await startReplica(env, { embeddedWorker: true });
    try {
      const result = await (await b.connect(alice)).experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
      expect(result.structuredContent).toMatchObject({ job_id: task.taskId, status: 'completed', tool: 'blastn', summary: { hit_count: expect.any(Number) } });
    } finally {
      await worker.close();
    }
  });
});

describe('two `serve` stacks on one Redis, over Streamable HTTP and legacy SSE', () => {
  it('creates a task on one and reads, lists and cancels it on the other, for its owner only', async () => {
    // One key prefix for both, no worker in either: the task stays queued.
    const shared = { BIO_QUEUE_PREFIX: `t${randomBytes(6).toString('hex')}` };
    const one = await startHttpHarness({ env: shared, embeddedWorker: false });
    const two = await startHttpHarness({ env: shared, embeddedWorker: false });
    try {
      const task = await createTask(await one.mcp(one.keys.alice), 'blastn_async', { query: '>q\nACGTACGTACGTACGTACGT\n', database: 'lambda' });
      expect(task).toMatchObject({ taskId: expect.stringMatching(/^blast-/), status: 'working' });
      const aliceOnTwo = await two.mcp(two.keys.alice, 'sse');
      expect(await aliceOnTwo.experimental.tasks.getTask(task.taskId)).toMatchObject({ taskId: task.taskId, status: 'working' });
      expect((await aliceOnTwo.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([task.taskId]);
      const bobOnTwo = await two.mcp(two.keys.bob);
      expect((await bobOnTwo.experimental.tasks.listTasks()).tasks).toEqual([]);
      await expect(bobOnTwo.experimental.tasks.cancelTask(task.taskId)).rejects.toThrow(/not found/i);
      expect(await (await two.mcp(two.keys.alice)).experimental.tasks.cancelTask(task.taskId)).toMatchObject({ status: 'cancelled' });
      expect(await (await one.mcp(one.keys.alice)).experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'cancelled' });
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('a task over Streamable HTTP', () => {
  it('sends its status changes to the session that created it, through to completed', async () => {
    const web = await startHttpHarness();
    try {
      const client = await web.mcp(web.keys.alice);
      let completedNotice!: (task: Task) => void;
      const completed = new Promise<Task>((resolve) => (completedNotice = resolve));
      client.setNotificationHandler(TaskStatusNotificationSchema, ({ params }) => {
        if (params.status === 'completed') completedNotice(params);
      });
      const task = await createTask(client, 'seqkit_stats_async', { sequences: ['>a\nACGTACGT\n'] });
      expect(await completed).toMatchObject({ taskId: task.taskId, status: 'completed' });
      const result = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
      expect(result.structuredContent).toMatchObject({ job_id: task.taskId, status: 'completed', tool: 'seqkit_stats' });
    } finally {
      await web.close();
    }
  });
});

describe('a stdio server restarted in the middle of a task', () => {
  async function startStdio(extra: Record<string, string>): Promise<Client> {
    const transport = new StdioClientTransport({ command: process.execPath, args: [MAIN], env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env, ...extra }, stderr: 'pipe' });
    const client = new Client({ name: 'stdio-tasks-test', version: '1.0.0' });
    await client.connect(transport);
    return client;
  }

  it('finds the task again after the restart and gives its result', async () => {
    // The first server has no worker, so the task is still queued when it stops.
    const first = await startStdio({ BIO_QUEUE_EMBEDDED_WORKER: 'false' });
    const task = await createTask(first, 'blastn_async', BLASTN);
    expect(await first.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'working' });
    await first.close();

    const second = await startStdio({ BIO_QUEUE_EMBEDDED_WORKER: 'true' });
    try {
      expect((await second.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toContain(task.taskId);
      const result = await second.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
      expect(result.structuredContent).toMatchObject({ job_id: task.taskId, status: 'completed', tool: 'blastn' });
      expect(await second.experimental.tasks.getTask(task.taskId)).toMatchObject({ taskId: task.taskId, status: 'completed' });
    } finally {
      await second.close();
    }
  });
});
