// MCP 2026-07-28 on `serve`'s /mcp, read off the wire with fetch: a request stands on its own (no
// initialize, no session), says its version in its `_meta` and in MCP-Protocol-Version, and the
// Tasks extension's tasks belong to the API key whose call queued the job, as 2025-11-25's do.
// No worker runs, so the jobs stay queued for as long as the test needs them.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASKS_EXTENSION_ID_V2 } from '@modelcontextprotocol/ext-tasks/core/v2';
import { FIXTURES } from '../support/harness.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';

const VERSION = '2026-07-28';
let nextId = 0;

function envelope(version: string, extension: boolean): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': version,
    'io.modelcontextprotocol/clientInfo': { name: 'fetch', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': extension ? { extensions: { [TASKS_EXTENSION_ID_V2]: {} } } : {},
  };
}

interface Options {
  extension?: boolean;
  version?: string;
  header?: string;
}

describe('MCP 2026-07-28 over Streamable HTTP', () => {
  let stack: HttpHarness;

  beforeAll(async () => {
    stack = await startHttpHarness({ embeddedWorker: false });
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function post(key: string, method: string, params: Record<string, unknown>, { extension = true, version = VERSION, header = version }: Options = {}) {
    const response = await fetch(`${stack.url}/mcp`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': header, 'Mcp-Method': method },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++nextId, method, params: { ...params, _meta: envelope(version, extension) } }),
    });
    return { status: response.status, session: response.headers.get('mcp-session-id'), body: (await response.json()) as { result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } } };
  }

  const queueDb = (key: string, name: string) => post(key, 'tools/call', { name: 'make_blast_db_async', arguments: { input: path.join(FIXTURES, 'lambda_virus.fa'), name, dbtype: 'nucl' } });

  it('answers server/discover without a session, declaring the Tasks extension', async () => {
    const { status, session, body } = await post(stack.keys.alice, 'server/discover', {});
    expect(status).toBe(200);
    expect(session).toBeNull();
    expect(body.result).toMatchObject({ resultType: 'complete', supportedVersions: expect.arrayContaining([VERSION, '2025-11-25']), capabilities: { extensions: { [TASKS_EXTENSION_ID_V2]: {} } } });
  });

  it('keeps a task to the key that queued its job: another key can neither read nor cancel it', async () => {
    const created = (await queueDb(stack.keys.alice, 'scoped')).body.result!;
    expect(created).toMatchObject({ resultType: 'task', status: 'working', taskId: expect.stringMatching(/^blast-/) });
    const taskId = created.taskId as string;

    expect((await post(stack.keys.bob, 'tasks/get', { taskId })).body.error).toMatchObject({ code: -32602 });
    expect((await post(stack.keys.bob, 'tasks/cancel', { taskId })).body.error).toMatchObject({ code: -32602 });
    expect((await post(stack.keys.alice, 'tasks/get', { taskId })).body.result).toMatchObject({ taskId, status: 'working', resultType: 'complete' });

    expect((await post(stack.keys.alice, 'tasks/cancel', { taskId })).body.result).toEqual({ resultType: 'complete' });
    expect((await post(stack.keys.alice, 'tasks/get', { taskId })).body.result).toMatchObject({ taskId, status: 'cancelled' });
    // The job is cancelled, as the REST API sees it.
    const job = (await (await fetch(`${stack.url}/jobs/${taskId}/status`, { headers: { Authorization: `Bearer ${stack.keys.alice}` } })).json()) as { status: string };
    expect(job.status).toBe('cancelled');
  });

  it('answers a task call it cannot queue with the tool error naming the reason, as a plain call does', async () => {
    const { body } = await post(stack.keys.alice, 'tools/call', { name: 'make_blast_db_async', arguments: { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'bad', dbtype: 'nucl', colour: 'red' } });
    expect(body.result).toMatchObject({ resultType: 'complete', isError: true });
    expect(JSON.stringify(body.result!.content)).toMatch(/colour/);
  });

  it('refuses a header that contradicts the body, and a version it does not speak', async () => {
    const mismatch = await post(stack.keys.alice, 'server/discover', {}, { header: '2025-11-25' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toMatchObject({ code: -32020 });

    const future = await post(stack.keys.alice, 'server/discover', {}, { version: '2099-01-01' });
    expect(future.body.error).toMatchObject({ code: -32022, data: { supported: expect.arrayContaining([VERSION]), requested: '2099-01-01' } });
  });
});
