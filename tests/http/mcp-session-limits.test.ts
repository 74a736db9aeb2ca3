// MCP sessions cost the server memory, so `serve` holds a bounded number: per API key and in
// total, Streamable HTTP (/mcp) and legacy SSE (/sse) together. Past a cap a new session gets 429
// with Retry-After and a JSON-RPC error, unless a session whose client has gone quiet can make
// room: the least recently used one is closed first. Sessions nobody uses close on their own.
// Caps and idle times come small from the environment, so nothing waits for minutes.
import http from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Submission } from '../../src/jobs/job-model.js';
import { FIXTURES } from '../support/harness.js';
import { mcpRefusal, startHttpHarness, type HttpHarness } from '../support/http-harness.js';

const QUERY = path.join(FIXTURES, 'lambda_queries.fa');
const MCP_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Opened {
  status: number;
  sessionId: string | null;
  retryAfter: string | null;
  body: unknown;
}

// An initialize as a client sends it, without the SDK: the session id comes back in a header.
async function initialize(h: HttpHarness, key: string, id: string | number = 1): Promise<Opened> {
  const response = await fetch(`${h.url}/mcp`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, ...MCP_HEADERS },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: response.status, sessionId: response.headers.get('mcp-session-id'), retryAfter: response.headers.get('retry-after'), body: isJson ? JSON.parse(text) : text };
}

// The HTTP status of a tools/list on a session: 200 while it exists, 404 once it is closed.
async function toolsList(h: HttpHarness, key: string, sessionId: string): Promise<number> {
  const response = await fetch(`${h.url}/mcp`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, ...MCP_HEADERS, 'mcp-session-id': sessionId },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  });
  await response.text();
  return response.status;
}

async function opened(h: HttpHarness, key: string): Promise<string> {
  const answer = await initialize(h, key);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.sessionId!;
}

// GET /sse: the status, and for a stream, its session id and a promise that settles when the server ends it.
function openSse(h: HttpHarness, key: string): Promise<{ status: number; sessionId?: string; ended?: Promise<void>; body?: unknown; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${h.url}/sse`, { headers: { Authorization: `Bearer ${key}`, Accept: 'text/event-stream' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      const close = () => req.destroy();
      if (res.statusCode !== 200) {
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text), close }));
        return;
      }
      const ended = new Promise<void>((done) => res.on('end', done));
      res.on('data', (chunk: string) => {
        text += chunk;
        const match = /event: endpoint\ndata: \S*sessionId=(\S+)\n\n/.exec(text);
        if (match) resolve({ status: 200, sessionId: match[1]!, ended, close });
      });
    });
    req.on('error', reject);
  });
}

describe('session caps', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness({
      embeddedWorker: false,
      env: { BIO_QUEUE_MCP_SESSIONS_PER_KEY: '3', BIO_QUEUE_MCP_SESSIONS_MAX: '5', BIO_QUEUE_MCP_SESSION_PRESSURE_IDLE_SECONDS: '3600' },
    });
  });
  afterAll(async () => h?.close());

  it('refuse a key past its cap with 429, while another key still gets in, until the total cap', async () => {
    const alice = [await opened(h, h.keys.alice), await opened(h, h.keys.alice), await opened(h, h.keys.alice)];
    // Retry-After: when the first of alice's sessions will have been quiet for the pressure time.
    const refused = await initialize(h, h.keys.alice, 'fourth');
    expect(refused.status).toBe(429);
    const wait = Number(refused.retryAfter);
    expect(wait).toBeGreaterThan(3500);
    expect(wait).toBeLessThanOrEqual(3600);
    const perKey = (seconds: number) => ({
      code: 'rate_limited',
      message: `"alice" has 3 MCP sessions open, the most one API key may have (BIO_QUEUE_MCP_SESSIONS_PER_KEY); end unused ones (DELETE /mcp, or close the /sse stream); try again in ${seconds} s`,
      retry_after_seconds: seconds,
    });
    expect(refused.body).toEqual(mcpRefusal(perKey(wait), -32000, 'fourth'));
    // The legacy transport draws on the same allowance.
    const sse = await openSse(h, h.keys.alice);
    expect(sse.status).toBe(429);
    expect(sse.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000, data: { code: 'rate_limited' }, message: expect.stringMatching(/^"alice" has 3 MCP sessions open/) } });
    // Alice's sessions are untouched by the refusals.
    for (const id of alice) expect(await toolsList(h, h.keys.alice, id)).toBe(200);

    // Bob has an allowance of his own, up to the server's total of 5.
    await opened(h, h.keys.bob);
    const bobsSse = await openSse(h, h.keys.bob);
    expect(bobsSse.status).toBe(200);
    const admin = await initialize(h, h.keys.admin);
    expect(admin.status).toBe(429);
    const adminWait = Number(admin.retryAfter);
    expect(adminWait).toBeGreaterThan(3500);
    expect(admin.body).toEqual(
      mcpRefusal(
        { code: 'rate_limited', message: `the server has 5 MCP sessions open, the most it keeps (BIO_QUEUE_MCP_SESSIONS_MAX); try again in ${adminWait} s`, retry_after_seconds: adminWait },
        -32000,
        1,
      ),
    );
    expect(h.server.app.sessions.size).toBe(5);

    // Ending a session (DELETE /mcp, or closing the SSE stream) makes room at once.
    const ended = await fetch(`${h.url}/mcp`, { method: 'DELETE', headers: { Authorization: `Bearer ${h.keys.alice}`, 'mcp-session-id': alice[0]! } });
    expect(ended.status).toBe(200);
    expect((await initialize(h, h.keys.admin)).status).toBe(200);
    expect((await initialize(h, h.keys.admin)).status).toBe(429);
    bobsSse.close();
    for (let tries = 0; h.server.app.sessions.size > 4 && tries < 100; tries++) await sleep(50);
    expect((await initialize(h, h.keys.admin)).status).toBe(200);
  });

  it('tell the SDK client why it was refused', async () => {
    await expect(h.mcp(h.keys.alice)).rejects.toThrow(/HTTP 429|BIO_QUEUE_MCP_SESSIONS/);
  });
});

describe('the default caps', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness({ embeddedWorker: false });
  });
  afterAll(async () => h?.close());

  it('hold a burst of 100 concurrent initializes from one key to 32 sessions', async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => initialize(h, h.keys.alice, i)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(32);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(68);
    expect(h.server.app.mcpSessions.size).toBe(32);
    // Another key is not locked out by alice's burst.
    expect((await initialize(h, h.keys.bob)).status).toBe(200);
  });
});

describe('under pressure', () => {
  // A server of its own for each test, so each starts with no sessions.
  let h: HttpHarness;
  beforeEach(async () => {
    h = await startHttpHarness({
      embeddedWorker: false,
      env: { BIO_QUEUE_MCP_SESSIONS_PER_KEY: '2', BIO_QUEUE_MCP_SESSIONS_MAX: '3', BIO_QUEUE_MCP_SESSION_PRESSURE_IDLE_SECONDS: '1' },
    });
  });
  afterEach(async () => h?.close());

  it('closes the least recently used quiet session to make room, for the key and for the server', async () => {
    const first = await opened(h, h.keys.alice);
    const second = await opened(h, h.keys.alice);
    await sleep(1_200); // both quiet for longer than the pressure time
    const third = await opened(h, h.keys.alice); // alice is at her cap: her oldest quiet session gives way
    expect(await toolsList(h, h.keys.alice, first)).toBe(404);
    expect(await toolsList(h, h.keys.alice, second)).toBe(200); // used now: the most recent
    const bobs = await opened(h, h.keys.bob); // the server is at its cap of 3
    await sleep(1_200);
    expect(await toolsList(h, h.keys.alice, second)).toBe(200);
    await opened(h, h.keys.admin); // third is now the least recently used
    expect(await toolsList(h, h.keys.alice, third)).toBe(404);
    expect(await toolsList(h, h.keys.alice, second)).toBe(200);
    expect(await toolsList(h, h.keys.bob, bobs)).toBe(200);
    expect(h.server.app.sessions.size).toBe(3);
  });

  it('closes a quiet legacy SSE session too, which ends its stream', async () => {
    const sse = await openSse(h, h.keys.bob);
    expect(sse.status).toBe(200);
    await sleep(1_200);
    await opened(h, h.keys.bob);
    await opened(h, h.keys.bob); // bob's cap is 2: the SSE session was his least recently used
    await sse.ended;
    const post = await fetch(`${h.url}/messages?sessionId=${sse.sessionId}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${h.keys.bob}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(post.status).toBe(404);
  });

  it('never closes a session in the middle of a call: then the newcomer gets 429', async () => {
    const submitted = await h.api<Submission>(h.keys.admin, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: QUERY, database: 'lambda' } });
    expect(submitted.status).toBe(202);
    // Two sessions each in a wait_for_job on a job no worker takes: busy for 4 s. The answer's
    // headers come as the server starts on the call (its stream opens with an event id to resume from).
    const sessions = [await opened(h, h.keys.admin), await opened(h, h.keys.admin)];
    const calls = await Promise.all(
      sessions.map((id) =>
        fetch(`${h.url}/mcp`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${h.keys.admin}`, ...MCP_HEADERS, 'mcp-session-id': id },
          body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'wait_for_job', arguments: { job_id: submitted.body.job_id, timeout_seconds: 4 } } }),
        }),
      ),
    );
    await sleep(1_200); // longer than the pressure time since either session last started something
    const refused = await initialize(h, h.keys.admin);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('1');
    for (const call of calls) expect(await call.text()).toContain('"timed_out":true');
    // Once the calls are over and the pressure time has passed, they give way.
    await sleep(1_200);
    expect((await initialize(h, h.keys.admin)).status).toBe(200);
  });
});

describe('idle sessions', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness({ embeddedWorker: false, env: { BIO_QUEUE_MCP_SESSION_IDLE_SECONDS: '1' } });
  });
  afterAll(async () => h?.close());

  it('are closed after the idle time, with or without pressure', async () => {
    const id = await opened(h, h.keys.alice);
    expect(h.server.app.mcpSessions.size).toBe(1);
    for (let tries = 0; h.server.app.mcpSessions.size > 0 && tries < 200; tries++) await sleep(100);
    expect(h.server.app.mcpSessions.size).toBe(0);
    expect(h.server.app.sessions.size).toBe(0);
    expect(await toolsList(h, h.keys.alice, id)).toBe(404);
  });
});
