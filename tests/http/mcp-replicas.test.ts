// Two `serve` replicas on one Redis, as behind a load balancer without sticky sessions: a
// Streamable HTTP session initialized on replica A goes on on replica B (the SDK's Client, the
// same Mcp-Session-Id, a real blastn run to its end), keeps the log level it chose on A, and
// ends everywhere when DELETEd on either. A replica that makes room ends a session only if no
// other replica used it since; one that stops hands its sessions on; a call on one replica
// longer than the idle time does not let the session expire. Real HTTP, real Redis, real tools;
// the replicas B run no worker, so their jobs are run by A's.
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, FIXTURES, waitDone } from '../support/harness.js';
import { mcpRefusal, startHttpHarness, type HttpHarness } from '../support/http-harness.js';

let a: HttpHarness;
let b: HttpHarness;
const clients: Client[] = [];

beforeAll(async () => {
  a = await startHttpHarness();
  b = await startHttpHarness({ replicaOf: a, embeddedWorker: false });
  const client = await a.mcp(a.keys.alice);
  const build = await callOk<{ job_id: string }>(client, 'make_blast_db_async', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
  expect((await waitDone(client, build.job_id)).status).toBe('completed');
});

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await b?.close();
  await a?.close();
});

const auth = (key: string) => ({ headers: { Authorization: `Bearer ${key}` } });

// A client of a new session, initialized on `replica`.
async function openOn(replica: HttpHarness, key = replica.keys.alice): Promise<{ client: Client; sessionId: string }> {
  const transport = new StreamableHTTPClientTransport(new URL(`${replica.url}/mcp`), { requestInit: auth(key) });
  const client = new Client({ name: 'replica-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, sessionId: transport.sessionId! };
}

// A client of an existing session, sending everything to `replica` (no initialize of its own).
async function continueOn(replica: HttpHarness, sessionId: string, key = replica.keys.alice): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(`${replica.url}/mcp`), { requestInit: auth(key), sessionId });
  const client = new Client({ name: 'replica-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

// A raw tools/list on the session: the status and body a client would get.
async function toolsList(replica: HttpHarness, sessionId: string, key = replica.keys.alice): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${replica.url}/mcp`, {
    method: 'POST',
    headers: { ...auth(key).headers, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  const body = isJson ? await response.json() : await response.text();
  return { status: response.status, body };
}

const gone = (sessionId: string) =>
  mcpRefusal({ code: 'not_found', message: `mcp-session-id: no session "${sessionId}" for this API key (it may have been closed); start a new one with initialize` }, -32001, 1);

describe('Streamable HTTP sessions across serve replicas', () => {
  it('go on on another replica: a blastn submitted, followed and read there', async () => {
    const { client: onA, sessionId } = await openOn(a);
    const onBBefore = b.server.app.mcpSessions.size;
    const { client: onB, transport } = await continueOn(b, sessionId);

    const submitted = await callOk<{ job_id: string }>(onB, 'blastn_async', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'lambda' });
    const status = await callOk<{ job_id: string; status: string }>(onB, 'get_job_status', { job_id: submitted.job_id });
    expect(status.job_id).toBe(submitted.job_id);
    expect((await waitDone(onB, submitted.job_id)).status).toBe('completed');
    expect(transport.sessionId).toBe(sessionId);
    expect(b.server.app.mcpSessions.size).toBe(onBBefore + 1); // B built its own copy of the session

    // And back on A, which still has its own copy: the job is the session's owner's on both.
    const result = await callOk<{ summary: Record<string, unknown> }>(onA, 'get_job_result', { job_id: submitted.job_id });
    expect(result.summary).toMatchObject({ hit_count: 20, queries_with_hits: 20 });
  });

  it('keep the log level a client chose on the replica it initialized on', async () => {
    const quiet = await openOn(a);
    await quiet.client.setLoggingLevel('error');
    const chatty = await openOn(a); // no level set: everything is sent
    const listen = async (sessionId: string) => {
      const { client } = await continueOn(b, sessionId);
      const messages: LoggingMessageNotification['params'][] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(n.params));
      return { client, messages };
    };
    const [quietOnB, chattyOnB] = await Promise.all([listen(quiet.sessionId), listen(chatty.sessionId)]);
    const { job_id } = await callOk<{ job_id: string }>(chattyOnB.client, 'bwa_mem_async', {
      reference: path.join(FIXTURES, 'lambda_virus.fa'),
      reads_1: path.join(FIXTURES, 'lambda_reads_1.fq.gz'),
    });
    const done = await Promise.all([waitDone(chattyOnB.client, job_id), waitDone(quietOnB.client, job_id)]);
    expect(done.map((d) => d.status)).toEqual(['completed', 'completed']);
    expect(chattyOnB.messages.filter((m) => m.logger === `job:${job_id}`).length).toBeGreaterThan(0);
    expect(quietOnB.messages).toEqual([]);
  });

  it('end on every replica when DELETEd on one', async () => {
    const { sessionId } = await openOn(a);
    const { transport } = await continueOn(b, sessionId);
    expect((await toolsList(b, sessionId)).status).toBe(200);
    const onA = a.server.app.mcpSessions.size;

    await transport.terminateSession(); // DELETE /mcp, on B
    expect(await toolsList(b, sessionId)).toEqual({ status: 404, body: gone(sessionId) });
    expect(await toolsList(a, sessionId)).toEqual({ status: 404, body: gone(sessionId) });
    expect(a.server.app.mcpSessions.size).toBe(onA - 1); // A let go of its copy on the 404
  });

  it('end on every replica when DELETEd on the one that opened them', async () => {
    const { sessionId } = await openOn(b);
    const { transport } = await continueOn(a, sessionId);
    expect((await toolsList(a, sessionId)).status).toBe(200);
    await transport.terminateSession(); // DELETE /mcp, on A
    expect(await toolsList(b, sessionId)).toEqual({ status: 404, body: gone(sessionId) });
  });

  it('answer another key, and an id no replica issued, with the same 404', async () => {
    const { sessionId } = await openOn(a);
    expect(await toolsList(b, sessionId, b.keys.bob)).toEqual({ status: 404, body: gone(sessionId) });
    expect((await toolsList(b, sessionId)).status).toBe(200); // bob's try did not end alice's session
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await toolsList(a, unknown)).toEqual({ status: 404, body: gone(unknown) });
    expect(await toolsList(b, unknown)).toEqual({ status: 404, body: gone(unknown) });
  });
});

// Small caps, so a replica has to make room: its copy of a session goes, and whether the session
// goes with it depends on whether another replica has used it since.
describe('a replica letting go of its copy of a session', () => {
  let p: HttpHarness;
  let q: HttpHarness;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  beforeAll(async () => {
    p = await startHttpHarness({ embeddedWorker: false, env: { BIO_QUEUE_MCP_SESSIONS_PER_KEY: '1', BIO_QUEUE_MCP_SESSION_PRESSURE_IDLE_SECONDS: '1' } });
    q = await startHttpHarness({ replicaOf: p, embeddedWorker: false });
  });
  afterAll(async () => {
    await q?.close();
    await p?.close();
  });

  it('ends the session everywhere only if no other replica used it since', async () => {
    const movedOn = await openOn(p);
    // Quiet on p for well over the pressure time (1 s): a loaded machine answers late.
    await sleep(2_000);
    expect((await toolsList(q, movedOn.sessionId)).status).toBe(200); // …but used on q now
    const stayed = await openOn(p); // alice is at her cap on p: p's copy of movedOn makes room
    expect(p.server.app.mcpSessions.size).toBe(1);
    expect((await toolsList(q, movedOn.sessionId)).status).toBe(200); // goes on on q

    await sleep(2_000);
    await openOn(p); // stayed makes room in turn: used on p alone, it ends everywhere
    expect(await toolsList(q, stayed.sessionId)).toEqual({ status: 404, body: gone(stayed.sessionId) });
  });

  it('hands its sessions on when it stops', async () => {
    const r = await startHttpHarness({ replicaOf: p, embeddedWorker: false });
    const { sessionId } = await openOn(r, r.keys.bob);
    await r.close(); // a rolling restart: r goes, its clients come back through the load balancer
    expect((await toolsList(q, sessionId, q.keys.bob)).status).toBe(200);
  });
});

// A short idle time, so a call outlasts it.
describe('the idle time of a session across replicas', () => {
  let p: HttpHarness;
  let q: HttpHarness;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  beforeAll(async () => {
    p = await startHttpHarness({ embeddedWorker: false, env: { BIO_QUEUE_MCP_SESSION_IDLE_SECONDS: '1' } });
    q = await startHttpHarness({ replicaOf: p, embeddedWorker: false });
  });
  afterAll(async () => {
    await q?.close();
    await p?.close();
  });

  // An initialize without the SDK's Client, which would keep a GET stream (and so the session) open.
  async function initialize(replica: HttpHarness): Promise<string> {
    const response = await fetch(`${replica.url}/mcp`, {
      method: 'POST',
      headers: { ...auth(replica.keys.alice).headers, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    await response.text();
    expect(response.status).toBe(200);
    return response.headers.get('mcp-session-id')!;
  }

  it('is not run out by a call longer than it on another replica; once nothing is open, the session ends everywhere', async () => {
    const sessionId = await initialize(p);
    const { client } = await continueOn(q, sessionId);
    // No worker on either replica: the job stays queued, and the wait takes its full 3 s.
    const { job_id } = await callOk<{ job_id: string }>(client, 'bwa_mem_async', {
      reference: path.join(FIXTURES, 'lambda_virus.fa'),
      reads_1: path.join(FIXTURES, 'lambda_reads_1.fq.gz'),
    });
    expect(await callOk(client, 'wait_for_job', { job_id, timeout_seconds: 3 })).toMatchObject({ timed_out: true, status: 'queued' });
    expect((await toolsList(p, sessionId)).status).toBe(200);

    await sleep(1_500); // nothing open on it for longer than the idle time
    expect(await toolsList(q, sessionId)).toEqual({ status: 404, body: gone(sessionId) });
    expect(await toolsList(p, sessionId)).toEqual({ status: 404, body: gone(sessionId) });
  });
});
