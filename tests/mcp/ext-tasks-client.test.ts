// Our MCP Tasks checked by a requester nobody here wrote: `@modelcontextprotocol/ext-tasks` on the
// 2.x SDK client (`@modelcontextprotocol/client`), not the 1.32 SDK our server and other tests
// use. One scenario runs over stdio (the built server as a child process) and over Streamable
// HTTP (the real `serve` stack): a blastn settled to get_job_result's answer, a running one
// cancelled through the requester, and a task picked up again after its server went away — on
// real Redis, with real workers running real blastn.
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createTaskSessionFromClient, type SerializedTaskReference, type TaskEnabledSession, type TaskView, type ToolExecution } from '@modelcontextprotocol/ext-tasks/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, REPO, testEnv } from '../support/harness.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';
import { processesOfJob } from '../support/processes.js';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const QUERY = path.join(FIXTURES, 'lambda_queries.fa');

type ToolResult = { structuredContent?: Record<string, unknown>; content: unknown[]; isError?: boolean; _meta?: Record<string, unknown> };
type Execution = ToolExecution<ToolResult>;

/** One running server of ours, reached through one transport, with a 2.x SDK client connected to it. */
interface Server {
  client: Client;
  /** The work root of its worker (or of the workers sharing its data dir). */
  workRoot: string;
  /** Ends it as a crash or a redeploy would: the client is not asked. */
  stop(): Promise<void>;
}

/** How to start servers of ours on one Redis prefix and one data dir, over one transport. */
interface Door {
  /** Names the endpoint for ext-tasks: a task reference resumes only on the endpoint it came from. */
  endpointId: string;
  start(options: { worker: boolean }): Promise<Server>;
  /** A folder inside the servers' input roots. */
  inputsDir: string;
  close(): Promise<void>;
}

async function stdioDoor(): Promise<Door> {
  await fs.access(MAIN).catch(() => {
    throw new Error(`${MAIN} is missing: run "npm run build" (npm test does it first)`);
  });
  const { env, dataDir, inputsDir } = await testEnv();
  const running: Server[] = [];
  return {
    endpointId: 'bio-mcp-queue/stdio',
    inputsDir,
    async start({ worker }) {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [MAIN],
        env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env, BIO_QUEUE_EMBEDDED_WORKER: String(worker) },
        stderr: 'pipe',
      });
      const client = new Client({ name: 'ext-tasks-stdio-test', version: '1.0.0' });
      await client.connect(transport);
      const pid = transport.pid!;
      const server: Server = {
        client,
        workRoot: path.join(dataDir, 'work'),
        async stop() {
          const exited = new Promise<void>((resolve) => (transport.onclose = resolve));
          process.kill(pid, 'SIGKILL');
          await exited;
        },
      };
      running.push(server);
      return server;
    },
    async close() {
      for (const s of running) await s.client.close().catch(() => undefined);
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function httpDoor(): Promise<Door> {
  // Stacks of `serve` as replicas are: one Redis prefix, one data dir (databases, results).
  const { dataDir, inputsDir } = await testEnv();
  const shared = { BIO_QUEUE_PREFIX: `t${randomBytes(6).toString('hex')}`, BIO_QUEUE_DATA_DIR: dataDir, BIO_QUEUE_INPUT_ROOTS: [FIXTURES, inputsDir].join(path.delimiter) };
  const stacks: HttpHarness[] = [];
  const clients: Client[] = [];
  return {
    endpointId: 'bio-mcp-queue/http',
    inputsDir,
    async start({ worker }) {
      const stack = await startHttpHarness({ env: shared, embeddedWorker: worker });
      stacks.push(stack);
      const client = new Client({ name: 'ext-tasks-http-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${stack.keys.alice}` } } }));
      clients.push(client);
      return {
        client,
        workRoot: stack.config.workRoot,
        async stop() {
          await stack.close();
          stacks.splice(stacks.indexOf(stack), 1);
        },
      };
    },
    async close() {
      for (const client of clients) await client.close().catch(() => undefined);
      for (const stack of stacks) await stack.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls a tool as a task through the requester and settles it, failing on anything but a completed task. */
async function settleOk(session: TaskEnabledSession, name: string, args: Record<string, string | number>): Promise<ToolResult> {
  const execution = (await session.callTool(name, args, { task: { preference: 'require' } })) as Execution;
  const { outcome } = await execution.settle();
  if (outcome.status !== 'completed') throw new Error(`${name} ended ${outcome.status}`);
  if (outcome.result.isError) throw new Error(`${name} returned an error: ${JSON.stringify(outcome.result.content)}`);
  return outcome.result;
}

/** The first task event whose status message matches, read from the execution's update stream. */
async function firstTaskUpdate(execution: Execution, matches: (task: TaskView) => boolean): Promise<TaskView> {
  const stop = new AbortController();
  try {
    for await (const event of execution.updates(stop.signal)) {
      if (event.type === 'task' && matches(event.task)) return event.task;
      if (event.type === 'outcome') throw new Error(`the task ended (${event.outcome.status}) before the update looked for`);
    }
  } finally {
    stop.abort();
  }
  throw new Error('the update stream ended before the update looked for');
}

/** Polls a condition every 100 ms, failing after 30 s with what was awaited. */
async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/**
 * A result with its download links' signatures and expiry blanked: `serve` signs a link each time
 * it answers, so two answers a second apart differ there and nowhere else.
 */
function unsigned(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/expires=\d+&sig=[\w-]+/g, 'expires=…&sig=…').replace(/"expires_at":"[^"]+"/g, '"expires_at":"…"'));
}

describe.each([
  ['stdio', stdioDoor],
  ['Streamable HTTP', httpDoor],
] as const)('ext-tasks 0.2.2 on @modelcontextprotocol/client 2.x, over %s', (_transport, openDoor) => {
  let door: Door;
  let server: Server;
  let session: TaskEnabledSession;
  let slow: SyntheticWorkload;

  beforeAll(async () => {
    door = await openDoor();
    server = await door.start({ worker: true });
    session = createTaskSessionFromClient(server.client, { endpointId: door.endpointId });
    expect(session.capabilities).toMatchObject({ inventory: 'server-list', execution: true, cancellation: true });
    await settleOk(session, 'make_blast_db_async', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
    // 6,000 reads against 100 kb with task blastn: long enough to be seen running (as in
    // tests/mcp/tasks-protocol.test.ts).
    slow = await writeSyntheticWorkload(path.join(door.inputsDir, 'slow'), { genomeBases: 100_000, reads: 6_000, readLength: 150 });
    await settleOk(session, 'make_blast_db_async', { input: slow.genomePath, name: 'synthetic', dbtype: 'nucl' });
  });

  afterAll(async () => {
    await session?.close().catch(() => undefined);
    await door?.close();
  });

  it.each(['prefer', 'require'] as const)('settles a blastn called with task preference %s to get_job_result\'s answer, the task id being the job id', async (preference) => {
    const execution = (await session.callTool('blastn_async', { query: QUERY, database: 'lambda' }, { task: { preference } })) as Execution;
    expect(execution.kind).toBe('task');
    if (execution.kind !== 'task') return;
    const taskId = execution.handle.taskId;
    expect(taskId).toMatch(/^blast-[0-9a-z]{16}$/);

    const { outcome, lastTask } = await execution.settle();
    expect(outcome.status).toBe('completed');
    if (outcome.status !== 'completed') return;
    expect(lastTask).toMatchObject({ taskId, status: 'completed' });

    const jobResult = (await server.client.callTool({ name: 'get_job_result', arguments: { job_id: taskId } })) as ToolResult;
    expect(unsigned(outcome.result.structuredContent)).toEqual(unsigned(jobResult.structuredContent));
    expect(unsigned(outcome.result.content)).toEqual(unsigned(jobResult.content));
    expect(outcome.result.structuredContent).toMatchObject({ job_id: taskId, status: 'completed', tool: 'blastn', summary: { hit_count: expect.any(Number) } });
  });

  it('cancels a running blastn through the requester: the task ends cancelled and no blastn is left', async () => {
    const execution = (await session.callTool('blastn_async', { query: slow.readsPath, database: 'synthetic', task: 'blastn' }, { task: { preference: 'require' } })) as Execution;
    if (execution.kind !== 'task') throw new Error('blastn_async answered without a task');
    const taskId = execution.handle.taskId;
    // Running, as the requester sees it; then its blastn started by the worker.
    await firstTaskUpdate(execution, (task) => task.status === 'working' && /: running; /.test(task.statusMessage ?? ''));
    await until('its blastn process', async () => (await processesOfJob(server.workRoot, taskId)).some((p) => p.cmd.startsWith('blastn ')));

    await execution.cancel();
    const { outcome } = await execution.settle();
    expect(outcome.status).toBe('cancelled');
    expect(await session.task(taskId).snapshot()).toMatchObject({ taskId, status: 'cancelled' });
    const status = (await server.client.callTool({ name: 'get_job_status', arguments: { job_id: taskId } })) as ToolResult;
    expect(status.structuredContent).toMatchObject({ job_id: taskId, status: 'cancelled' });

    // The worker kills its blastn when it sees the cancel.
    await until('no process left in its work dir', async () => (await processesOfJob(server.workRoot, taskId)).length === 0);
    expect(await processesOfJob(server.workRoot, taskId)).toEqual([]);
  });

  it('settles a task to its result on a new server after the server that created it went away', async () => {
    // The first server has no worker, so the task is still queued when it goes.
    const first = await door.start({ worker: false });
    const firstSession = createTaskSessionFromClient(first.client, { endpointId: door.endpointId });
    const execution = (await firstSession.callTool('blastn_async', { query: QUERY, database: 'lambda' }, { task: { preference: 'require' } })) as Execution;
    if (execution.kind !== 'task') throw new Error('blastn_async answered without a task');
    let reference: SerializedTaskReference | undefined;
    await execution.handoff((r) => void (reference = r));
    expect(reference).toEqual({ endpointId: door.endpointId, generation: 'v1', taskId: execution.handle.taskId, originalOperation: 'tools/call' });
    await first.stop();
    await firstSession.close().catch(() => undefined);

    const second = await door.start({ worker: true });
    const secondSession = createTaskSessionFromClient(second.client, { endpointId: door.endpointId });
    try {
      const resumed = (await secondSession.resumeTask(reference!)) as Execution;
      expect(resumed.kind === 'task' && resumed.handle.taskId).toBe(reference!.taskId);
      const { outcome } = await resumed.settle();
      expect(outcome.status).toBe('completed');
      if (outcome.status !== 'completed') return;
      const jobResult = (await second.client.callTool({ name: 'get_job_result', arguments: { job_id: reference!.taskId } })) as ToolResult;
      expect(unsigned(outcome.result.structuredContent)).toEqual(unsigned(jobResult.structuredContent));
      expect(outcome.result.structuredContent).toMatchObject({ job_id: reference!.taskId, status: 'completed', tool: 'blastn' });
    } finally {
      await secondSession.close().catch(() => undefined);
    }
  });
});
