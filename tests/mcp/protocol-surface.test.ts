// Everything the server says about itself and to a caller's mistakes, read off the wire and held
// to a snapshot taken before the server's registrations were shared between sessions (issue 11):
// initialize, tools/list (schemas, annotations, execution), prompts/list, resources/templates/list,
// the 2026-07-28 server/discover, and the exact answers to bad arguments, unknown names, completions,
// tasks and resources that need no job. Over the stdio door (createMcpServer on an in-memory
// transport, as stdio-command.ts connects it) and over `serve`'s /mcp, session and session-less.
// A change to any of it is a change of the public contract: update the snapshot on purpose only.
import { createHash } from 'node:crypto';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { LOCAL_CALLER } from '../../src/jobs/caller.js';
import { createLogger } from '../../src/logger.js';
import { connectServer } from '../../src/mcp/connect-server.js';
import { createMcpServer } from '../../src/mcp/create-server.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { testEnv } from '../support/harness.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';

const VERSION_2025 = '2025-11-25';
const MODERN = '2026-07-28';
const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

type Rpc = (method: string, params?: Record<string, unknown>) => Promise<unknown>;

const modernMeta = (extension: boolean) => ({
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'surface', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': extension ? { extensions: { [TASKS_EXTENSION]: {} } } : {},
});

// What a 2025-11-25 session is asked, in order; every answer is independent of time and job ids.
const SESSION_REQUESTS: [string, Record<string, unknown>?][] = [
  ['tools/list'],
  ['prompts/list'],
  ['resources/templates/list'],
  ['resources/list'],
  ['ping'],
  ['no/such-method'],
  ['tools/call', { name: 'blastn_async', arguments: {} }],
  ['tools/call', { name: 'blastn_async', arguments: { query: '>q\nACGT\n', database: 'lambda', evalue: -1, extra: 1 } }],
  ['tools/call', { name: 'blastn_async', arguments: { query: '>q\nACGT\n' }, task: {} }],
  ['tools/call', { name: 'get_job_status', arguments: { job_id: '' } }],
  ['tools/call', { name: 'get_job_status', arguments: { job_id: 'blast-404' } }],
  ['tools/call', { name: 'wait_for_job', arguments: { job_id: 'blast-404', timeout_seconds: 100000 } }],
  ['tools/call', { name: 'no_such_tool', arguments: {} }],
  ['tools/call', { name: 'list_jobs', arguments: {} }],
  ['tools/call', { name: 'list_jobs', arguments: JSON.parse('{"__proto__": 1}') as Record<string, unknown> }],
  ['prompts/get', { name: 'run_tool', arguments: { tool: 'blastn' } }],
  ['prompts/get', { name: 'map_reads_and_call_variants', arguments: { reference: 'ref.fa', reads_1: 'r1.fq' } }],
  ['prompts/get', { name: 'summarize_job', arguments: {} }],
  ['prompts/get', { name: 'run_tool', arguments: { tool: 'no_such_tool' } }],
  ['prompts/get', { name: 'no_such_prompt', arguments: {} }],
  ['completion/complete', { ref: { type: 'ref/prompt', name: 'run_tool' }, argument: { name: 'tool', value: 'bl' } }],
  ['completion/complete', { ref: { type: 'ref/prompt', name: 'summarize_job' }, argument: { name: 'job_id', value: '' } }],
  ['completion/complete', { ref: { type: 'ref/prompt', name: 'blast_this_file' }, argument: { name: 'database', value: '' } }],
  ['completion/complete', { ref: { type: 'ref/prompt', name: 'blast_this_file' }, argument: { name: 'query', value: '' } }],
  ['completion/complete', { ref: { type: 'ref/prompt', name: 'no_such_prompt' }, argument: { name: 'x', value: '' } }],
  ['completion/complete', { ref: { type: 'ref/resource', uri: 'bio-mcp-queue://jobs/{job_id}' }, argument: { name: 'job_id', value: '' } }],
  ['completion/complete', { ref: { type: 'ref/resource', uri: 'bio-mcp-queue://jobs/{job_id}/files/{name}' }, argument: { name: 'name', value: '' }, context: { arguments: { job_id: 'blast-404' } } }],
  ['completion/complete', { ref: { type: 'ref/resource', uri: 'bio-mcp-queue://nothing/{x}' }, argument: { name: 'x', value: '' } }],
  ['resources/read', { uri: 'bio-mcp-queue://jobs/blast-404' }],
  ['resources/read', { uri: 'bio-mcp-queue://jobs/blast-404/files/hits.tsv?page=0' }],
  ['resources/read', { uri: 'bio-mcp-queue://elsewhere' }],
  ['resources/subscribe', { uri: 'https://example.org/x' }],
  ['resources/subscribe', { uri: 'bio-mcp-queue://jobs/blast-404' }],
  ['resources/unsubscribe', { uri: 'bio-mcp-queue://jobs/blast-404' }],
  ['resources/list', { cursor: 'not-a-cursor' }],
  ['logging/setLevel', { level: 'warning' }],
  ['logging/setLevel', { level: 'loud' }],
  ['tasks/list'],
  ['tasks/get', { taskId: 'blast-404' }],
  ['tasks/result', { taskId: 'blast-404' }],
  ['tasks/cancel', { taskId: 'blast-404' }],
  // The 2026-07-28 door on the same connection.
  ['server/discover', { _meta: modernMeta(true) }],
  ['tools/list', { _meta: modernMeta(true) }],
  ['prompts/list', { _meta: modernMeta(false) }],
  ['tasks/get', { taskId: 'blast-404', _meta: modernMeta(false) }],
  ['tasks/get', { taskId: 'blast-404', _meta: modernMeta(true) }],
  ['tasks/list', { _meta: modernMeta(true) }],
  ['tools/call', { name: 'blastn_async', arguments: {}, _meta: modernMeta(true) }],
];

async function exchanges(initialize: Rpc, rpc: Rpc): Promise<{ request: unknown; answer: unknown }[]> {
  const out: { request: unknown; answer: unknown }[] = [{ request: 'initialize', answer: await initialize('initialize', { protocolVersion: VERSION_2025, capabilities: {}, clientInfo: { name: 'surface', version: '1' } }) }];
  for (const [method, params] of SESSION_REQUESTS) out.push({ request: { method, ...(params ? { params } : {}) }, answer: await rpc(method, params) });
  return out;
}

// One exchange a line (tools/list a tool a line: its schemas are most of the 230 KB), with the
// paths of this run's temp dirs (input roots appear in descriptions) as placeholders. `toolsDigest`:
// tools/list held as its sha256 and names only (the stdio door's; the HTTP snapshot has it in full).
function normalized(all: { request: unknown; answer: unknown }[], dirs: Record<string, string>, { toolsDigest = false } = {}): string {
  const printed = new Map<string, number>();
  const lines = all.map(({ request, answer }, index) => {
    const tools = (answer as { result?: { tools?: { name: string }[] } }).result?.tools;
    if (!tools) return JSON.stringify({ request, answer });
    const { result, ...rest } = answer as { result: Record<string, unknown> };
    if (toolsDigest) {
      const digest = createHash('sha256').update(JSON.stringify(result)).digest('hex');
      return JSON.stringify({ request, answer: { ...rest, result: { sha256: digest, names: tools.map((t) => t.name) } } });
    }
    // The same list again (the 2026-07-28 door's) is named, not repeated.
    const same = printed.get(JSON.stringify(tools));
    if (same !== undefined) return JSON.stringify({ request, answer: { ...rest, result: { ...result, tools: `the tools of exchange ${same}` } } });
    printed.set(JSON.stringify(tools), index);
    const head = JSON.stringify({ request, answer: { ...rest, result: { ...result, tools: '…' } } });
    return [`${head} tools:`, ...tools.map((t) => `  ${JSON.stringify(t)}`)].join('\n');
  });
  let text = `${lines.join('\n')}\n`;
  for (const [name, dir] of Object.entries(dirs)) text = text.split(dir).join(`<${name}>`);
  return text;
}

describe('the stdio door: createMcpServer on one connection', () => {
  let runtime: Runtime;
  let dirs: Record<string, string>;
  let client: InMemoryTransport;
  const waiting = new Map<string | number, (answer: unknown) => void>();
  let next = 0;

  beforeAll(async () => {
    const { env, dataDir, inputsDir } = await testEnv();
    dirs = { inputsDir, dataDir };
    const config = loadConfig(env);
    const log = createLogger(config.logLevel);
    runtime = await startRuntime(config, log, { embeddedWorker: false });
    const server = createMcpServer({ jobs: runtime.jobs, config, log, caller: LOCAL_CALLER });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    client = clientSide;
    client.onmessage = (message) => {
      if ('id' in message && !('method' in message)) waiting.get(message.id!)?.(message);
    };
    await client.start();
    await connectServer(server, serverSide, log);
  });

  afterAll(async () => {
    await client?.close();
    await runtime?.close();
  });

  const rpc: Rpc = (method, params) =>
    new Promise((resolve) => {
      const id = ++next;
      waiting.set(id, (answer) => {
        waiting.delete(id);
        const { id: _id, jsonrpc: _v, ...rest } = answer as Record<string, unknown>;
        resolve(rest);
      });
      void client.send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) } as JSONRPCMessage);
    });

  it('answers as it did before the registrations were shared', async () => {
    const all = await exchanges(async (method, params) => {
      const answer = await rpc(method, params);
      await client.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      return answer;
    }, rpc);
    await expect(normalized(all, dirs, { toolsDigest: true })).toMatchFileSnapshot('./__snapshots__/protocol-surface.stdio.txt');
  });
});

describe("serve's /mcp: a Streamable HTTP session, and 2026-07-28 requests without one", () => {
  let stack: HttpHarness;
  let sessionId: string | undefined;
  let next = 0;

  beforeAll(async () => {
    stack = await startHttpHarness({ embeddedWorker: false });
  });

  afterAll(async () => {
    await stack?.close();
  });

  // A POST's answer: JSON, or the one data line of an SSE stream that carries our id.
  async function post(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; session: string | null; answer: unknown }> {
    const response = await fetch(`${stack.url}/mcp`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.keys.alice}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('text/event-stream')
      ? text
          .split('\n')
          .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
          .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>)
          .find((m) => m.id === body.id)
      : text
        ? JSON.parse(text)
        : undefined;
    const { id: _id, jsonrpc: _v, ...rest } = (json ?? {}) as Record<string, unknown>;
    return { status: response.status, session: response.headers.get('mcp-session-id'), answer: rest };
  }

  const inSession: Rpc = async (method, params) => {
    const headers: Record<string, string> = { 'mcp-session-id': sessionId!, 'mcp-protocol-version': VERSION_2025 };
    const modern = (params?._meta as Record<string, unknown> | undefined)?.['io.modelcontextprotocol/protocolVersion'];
    if (modern) headers['mcp-protocol-version'] = String(modern);
    return (await post({ jsonrpc: '2.0', id: ++next, method, ...(params ? { params } : {}) }, headers)).answer;
  };

  it('answers as it did before the registrations were shared', async () => {
    const all = await exchanges(async (method, params) => {
      const { session, answer } = await post({ jsonrpc: '2.0', id: ++next, method, params });
      sessionId = session ?? undefined;
      await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': sessionId!, 'mcp-protocol-version': VERSION_2025 });
      return answer;
    }, inSession);
    // 2026-07-28 requests on their own: no session, a server built for the one request.
    for (const [method, params] of [
      ['server/discover', { _meta: modernMeta(true) }],
      ['tools/list', { _meta: modernMeta(false) }],
      ['resources/templates/list', { _meta: modernMeta(false) }],
      ['tasks/get', { taskId: 'blast-404', _meta: modernMeta(true) }],
    ] as const) {
      const { status, session, answer } = await post({ jsonrpc: '2.0', id: ++next, method, params }, { 'mcp-protocol-version': MODERN });
      all.push({ request: { method, params, sessionless: true }, answer: { status, session, ...(answer as object) } });
    }
    await expect(normalized(all, { inputsDir: stack.inputsDir, dataDir: stack.dataDir })).toMatchFileSnapshot('./__snapshots__/protocol-surface.http.txt');
  });
});
