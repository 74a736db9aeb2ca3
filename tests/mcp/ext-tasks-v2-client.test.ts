// The Tasks extension of MCP 2026-07-28 (SEP-2663) as a requester nobody here wrote sees it:
// `@modelcontextprotocol/ext-tasks` 0.2.2 on the 2.x SDK client, connected with its version
// negotiation pinned to 2026-07-28 (`server/discover`, no initialize), so that the session it
// makes is of the extension's generation ("v2"), its task calls framed with the extension in the
// request's client capabilities and sent through a raw dispatcher (tests/support/raw-dispatch.ts).
// One scenario over stdio (the built server as a child process) and over Streamable HTTP (the
// real `serve` stack): a blastn settled to get_job_result's answer, a running one cancelled, a
// task resumed on a new server after the one that created it went away — real Redis, real
// workers, real blastn. Beside it, what the extension's wire asks of us, read raw.
import path from 'node:path';
import { Client, type Transport } from '@modelcontextprotocol/client';
import { createTaskSessionFromClient, type SerializedTaskReference, type TaskEnabledSession, type ToolExecution } from '@modelcontextprotocol/ext-tasks/client';
import { CreateTaskResultV2Schema, GetTaskResultV2Schema, CancelTaskResultV2Schema, UpdateTaskResultV2Schema, TASKS_EXTENSION_ID_V2 } from '@modelcontextprotocol/ext-tasks/core/v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../support/harness.js';
import { processesOfJob } from '../support/processes.js';
import { rawDispatcher } from '../support/raw-dispatch.js';
import { until } from '../support/worker-processes.js';
import { httpDoor, settleOk, stdioDoor, unsigned, type Connection, type Door, type DoorServer, type TaskToolResult } from '../support/task-doors.js';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';

const QUERY = path.join(FIXTURES, 'lambda_queries.fa');
const VERSION = '2026-07-28';
const CLIENT_INFO = { name: 'ext-tasks-v2-test', version: '1.0.0' };

type ToolResult = TaskToolResult;
type Execution = ToolExecution<ToolResult>;
type Dispatch = ReturnType<typeof rawDispatcher>;

type ModernConnection = Connection & { dispatch: Dispatch };
type Server = DoorServer<ModernConnection>;

/** A 2.x client that speaks only 2026-07-28: connect fails unless server/discover offers it. */
async function modernClient(transport: Transport): Promise<ModernConnection> {
  const client = new Client(CLIENT_INFO, { versionNegotiation: { mode: { pin: VERSION } } });
  await client.connect(transport);
  return { client, dispatch: rawDispatcher(transport) };
}

function session(server: Server, endpointId: string): TaskEnabledSession {
  return createTaskSessionFromClient(server.client, {
    endpointId,
    rawDispatch: server.dispatch as never,
    v2RequestFraming: { protocolVersion: VERSION, clientInfo: CLIENT_INFO, clientCapabilities: {} },
  });
}

/** A request as ext-tasks frames it for the extension: the envelope, with or without the extension. */
function framed(method: string, params: Record<string, unknown>, extension = true): Record<string, unknown> {
  return {
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': VERSION,
        'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
        'io.modelcontextprotocol/clientCapabilities': extension ? { extensions: { [TASKS_EXTENSION_ID_V2]: {} } } : {},
      },
    },
  };
}

async function resultOf(dispatch: Dispatch, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await dispatch(request);
  if (response.kind === 'error') throw new Error(`${String(request.method)}: ${response.error.code} ${response.error.message}`);
  return response.result as Record<string, unknown>;
}

describe.each([
  ['stdio', () => stdioDoor(modernClient)],
  ['Streamable HTTP', () => httpDoor(modernClient)],
] as const)('ext-tasks 0.2.2 on 2026-07-28 (Tasks extension, SEP-2663), over %s', (_transport, openDoor) => {
  let door: Door<ModernConnection>;
  let server: Server;
  let tasks: TaskEnabledSession;
  let slow: SyntheticWorkload;

  beforeAll(async () => {
    door = await openDoor();
    server = await door.start({ worker: true });
    tasks = session(server, door.endpointId);
    await settleOk(tasks, 'make_blast_db_async', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
    slow = await writeSyntheticWorkload(path.join(door.inputsDir, 'slow'), { genomeBases: 100_000, reads: 6_000, readLength: 150 });
    await settleOk(tasks, 'make_blast_db_async', { input: slow.genomePath, name: 'synthetic', dbtype: 'nucl' });
  });

  afterAll(async () => {
    await tasks?.close().catch(() => undefined);
    await door?.close();
  });

  it('negotiates 2026-07-28 through server/discover, which declares the Tasks extension', () => {
    expect(server.client.getProtocolEra()).toBe('modern');
    expect(server.client.getServerCapabilities()?.extensions).toEqual({ [TASKS_EXTENSION_ID_V2]: {} });
    expect(server.client.getServerCapabilities()).not.toHaveProperty('tasks');
    expect(tasks.capabilities).toMatchObject({ execution: true, cancellation: true });
  });

  it.each(['prefer', 'require'] as const)('settles a blastn called with task preference %s to get_job_result\'s answer, the task id being the job id', async (preference) => {
    const execution = (await tasks.callTool('blastn_async', { query: QUERY, database: 'lambda' }, { task: { preference } })) as Execution;
    expect(execution.kind).toBe('task');
    if (execution.kind !== 'task') return;
    const taskId = execution.handle.taskId;
    expect(taskId).toMatch(/^blast-[0-9a-z]{16}$/);

    const { outcome, lastTask } = await execution.settle();
    expect(outcome.status).toBe('completed');
    if (outcome.status !== 'completed') return;
    expect(lastTask).toMatchObject({ taskId, status: 'completed' });

    // A plain call on the same 2026-07-28 connection, through the 2.x client's own codec.
    const jobResult = (await server.client.callTool({ name: 'get_job_result', arguments: { job_id: taskId } })) as ToolResult;
    expect(unsigned(outcome.result.structuredContent)).toEqual(unsigned(jobResult.structuredContent));
    expect(outcome.result.structuredContent).toMatchObject({ job_id: taskId, status: 'completed', tool: 'blastn', summary: { hit_count: expect.any(Number) } });
  });

  it('completes a task whose job failed with get_job_result\'s answer marked isError, as a plain call of a failing tool answers', async () => {
    const execution = (await tasks.callTool('blastn_async', { query: QUERY, database: 'no_such_db' }, { task: { preference: 'require' } })) as Execution;
    if (execution.kind !== 'task') throw new Error('blastn_async answered without a task');
    const { outcome } = await execution.settle();
    expect(outcome.status).toBe('completed');
    if (outcome.status !== 'completed') return;
    expect(outcome.result.isError).toBe(true);
    expect(outcome.result.structuredContent).toMatchObject({ job_id: execution.handle.taskId, status: 'failed', error: { message: expect.stringContaining('no_such_db') } });
  });

  it('cancels a running blastn through the requester: the task ends cancelled and no blastn is left', async () => {
    const execution = (await tasks.callTool('blastn_async', { query: slow.readsPath, database: 'synthetic', task: 'blastn' }, { task: { preference: 'require' } })) as Execution;
    if (execution.kind !== 'task') throw new Error('blastn_async answered without a task');
    const taskId = execution.handle.taskId;
    await until('its blastn process', async () => ((await processesOfJob(server.workRoot, taskId)).some((p) => p.cmd.startsWith('blastn '))) || undefined, 60_000);

    await execution.cancel();
    const { outcome } = await execution.settle();
    expect(outcome.status).toBe('cancelled');
    expect(await tasks.task(taskId).snapshot()).toMatchObject({ taskId, status: 'cancelled' });
    const status = (await server.client.callTool({ name: 'get_job_status', arguments: { job_id: taskId } })) as ToolResult;
    expect(status.structuredContent).toMatchObject({ job_id: taskId, status: 'cancelled' });
    await until('no process left in its work dir', async () => ((await processesOfJob(server.workRoot, taskId)).length === 0) || undefined, 60_000);
  });

  it('settles a task to its result on a new server after the server that created it went away', async () => {
    const first = await door.start({ worker: false });
    const firstSession = session(first, door.endpointId);
    const execution = (await firstSession.callTool('blastn_async', { query: QUERY, database: 'lambda' }, { task: { preference: 'require' } })) as Execution;
    if (execution.kind !== 'task') throw new Error('blastn_async answered without a task');
    let reference: SerializedTaskReference | undefined;
    await execution.handoff((r) => void (reference = r));
    expect(reference).toEqual({ endpointId: door.endpointId, generation: 'v2', taskId: execution.handle.taskId, originalOperation: 'tools/call' });
    await first.stop();
    await firstSession.close().catch(() => undefined);

    const second = await door.start({ worker: true });
    const secondSession = session(second, door.endpointId);
    try {
      const resumed = (await secondSession.resumeTask(reference!)) as Execution;
      const { outcome } = await resumed.settle();
      expect(outcome.status).toBe('completed');
      if (outcome.status !== 'completed') return;
      expect(outcome.result.structuredContent).toMatchObject({ job_id: reference!.taskId, status: 'completed', tool: 'blastn' });
    } finally {
      await secondSession.close().catch(() => undefined);
    }
  });

  it('answers the extension\'s wire in its shapes, and refuses what the revision does not have', async () => {
    const created = await resultOf(server.dispatch, framed('tools/call', { name: 'blastn_async', arguments: { query: QUERY, database: 'lambda' } }));
    expect(CreateTaskResultV2Schema.safeParse(created).success).toBe(true);
    expect(created).toMatchObject({ resultType: 'task', status: 'working', pollIntervalMs: 1000, ttlMs: expect.any(Number) });
    const taskId = created.taskId as string;

    const working = await resultOf(server.dispatch, framed('tasks/get', { taskId }));
    expect(GetTaskResultV2Schema.safeParse(working).success).toBe(true);
    expect(UpdateTaskResultV2Schema.safeParse(await resultOf(server.dispatch, framed('tasks/update', { taskId, inputResponses: {} }))).success).toBe(true);
    let done = working;
    await until('the task to complete', async () => ((done = await resultOf(server.dispatch, framed('tasks/get', { taskId }))).status === 'completed') || undefined, 60_000);
    expect(GetTaskResultV2Schema.safeParse(done).success).toBe(true);
    expect(done).toMatchObject({ resultType: 'complete', status: 'completed', result: { resultType: 'complete', structuredContent: { job_id: taskId } } });

    // Cancelling an ended task is refused, as in 2025-11-25; an unknown task is not found.
    expect(await server.dispatch(framed('tasks/cancel', { taskId }))).toMatchObject({ kind: 'error', error: { code: -32602 } });
    expect(await server.dispatch(framed('tasks/get', { taskId: 'blast-0000000000000000' }))).toMatchObject({ kind: 'error', error: { code: -32602 } });
    // The extension's methods need the extension declared on the request.
    expect(await server.dispatch(framed('tasks/get', { taskId }, false))).toMatchObject({ kind: 'error', error: { code: -32021 } });
    // 2025-11-25's tasks/list and tasks/result are gone from 2026-07-28.
    expect(await server.dispatch(framed('tasks/list', {}))).toMatchObject({ kind: 'error', error: { code: -32601 } });
    // Without the extension, a tool answers as it always has: at once, with the queued job.
    const plain = await resultOf(server.dispatch, framed('tools/call', { name: 'blastn_async', arguments: { query: QUERY, database: 'lambda' } }, false));
    expect(plain).toMatchObject({ resultType: 'complete', structuredContent: { job_id: expect.stringMatching(/^blast-/), status: 'queued' } });
    const cancelled = await resultOf(server.dispatch, framed('tasks/cancel', { taskId: (plain.structuredContent as { job_id: string }).job_id }));
    expect(CancelTaskResultV2Schema.safeParse(cancelled).success).toBe(true);
    // Arguments the tool refuses: no task, the tool error naming the field.
    const refused = await resultOf(server.dispatch, framed('tools/call', { name: 'blastn_async', arguments: { query: QUERY, database: 'lambda', colour: 'red' } }));
    expect(refused).toMatchObject({ resultType: 'complete', isError: true });
    expect(JSON.stringify(refused.content)).toMatch(/colour/);
  });
});
