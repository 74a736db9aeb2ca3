// Our MCP Tasks checked by a requester nobody here wrote: `@modelcontextprotocol/ext-tasks` on the
// 2.x SDK client (`@modelcontextprotocol/client`), not the 1.32 SDK our server and other tests
// use. One scenario runs over stdio (the built server as a child process) and over Streamable
// HTTP (the real `serve` stack): a blastn settled to get_job_result's answer, a running one
// cancelled through the requester, and a task picked up again after its server went away — on
// real Redis, with real workers running real blastn.
import path from 'node:path';
import { Client, type Transport } from '@modelcontextprotocol/client';
import { createTaskSessionFromClient, type SerializedTaskReference, type TaskEnabledSession, type TaskView, type ToolExecution } from '@modelcontextprotocol/ext-tasks/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../support/harness.js';
import { processesOfJob } from '../support/processes.js';
import { until } from '../support/worker-processes.js';
import { httpDoor, settleOk, stdioDoor, unsigned, type Connection, type Door, type DoorServer, type TaskToolResult } from '../support/task-doors.js';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';

const QUERY = path.join(FIXTURES, 'lambda_queries.fa');

type ToolResult = TaskToolResult;
type Execution = ToolExecution<ToolResult>;

type Server = DoorServer<Connection>;

// A plain 2.x client: it negotiates the 2025-11-25 generation with initialize.
async function plainClient(transport: Transport): Promise<Connection> {
  const client = new Client({ name: 'ext-tasks-test', version: '1.0.0' });
  await client.connect(transport);
  return { client };
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

describe.each([
  ['stdio', () => stdioDoor(plainClient)],
  ['Streamable HTTP', () => httpDoor(plainClient)],
] as const)('ext-tasks 0.2.2 on @modelcontextprotocol/client 2.x, over %s', (_transport, openDoor) => {
  let door: Door<Connection>;
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
    await until('its blastn process', async () => ((await processesOfJob(server.workRoot, taskId)).some((p) => p.cmd.startsWith('blastn '))) || undefined, 30_000);

    await execution.cancel();
    const { outcome } = await execution.settle();
    expect(outcome.status).toBe('cancelled');
    expect(await session.task(taskId).snapshot()).toMatchObject({ taskId, status: 'cancelled' });
    const status = (await server.client.callTool({ name: 'get_job_status', arguments: { job_id: taskId } })) as ToolResult;
    expect(status.structuredContent).toMatchObject({ job_id: taskId, status: 'cancelled' });

    // The worker kills its blastn when it sees the cancel.
    await until('no process left in its work dir', async () => ((await processesOfJob(server.workRoot, taskId)).length === 0) || undefined, 30_000);
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
