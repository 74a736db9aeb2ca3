// Every refusal of the HTTP API is JSON with a stable code and a message that names what is
// wrong, with the status a client can act on: 401 without a valid key, 400 naming the field,
// 404 for unknown jobs and routes, 413 for oversized bodies, 429 with Retry-After. The MCP
// endpoints carry the same code and message in a JSON-RPC error.
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Submission } from '../../src/jobs/job-model.js';
import { FIXTURES } from '../support/harness.js';
import { mcpRefusal, rawRequest, startHttpHarness, type HttpHarness } from '../support/http-harness.js';

let h: HttpHarness;
const QUERY = path.join(FIXTURES, 'lambda_queries.fa');
const MAX_BODY = 16 * 1024;

beforeAll(async () => {
  h = await startHttpHarness({ embeddedWorker: false, env: { BIO_QUEUE_MAX_BODY_BYTES: String(MAX_BODY) } });
});

afterAll(async () => h?.close());

describe('API keys', () => {
  const missing = {
    code: 'unauthorized',
    message: 'Authorization: missing; send "Authorization: Bearer <API key>" (a lab admin creates keys with bio-mcp-queue add-key)',
  };
  const invalid = { code: 'unauthorized', message: 'Authorization: not a valid API key' };

  it('are required on every route but /health, with a Bearer challenge', async () => {
    for (const [method, route] of [
      ['POST', '/jobs/submit'],
      ['GET', '/jobs'],
      ['GET', '/jobs/blast-0000000000000000/status'],
      ['GET', '/jobs/blast-0000000000000000/events'],
      ['DELETE', '/jobs/blast-0000000000000000'],
      ['GET', '/queues/stats'],
      ['GET', '/workers'],
      ['POST', '/uploads'],
      ['GET', '/openapi.json'],
      ['POST', '/mcp'],
      ['GET', '/sse'],
      ['POST', '/messages?sessionId=x'],
      ['GET', '/no/such/route'],
    ] as const) {
      const answer = await h.api(undefined, method, route);
      expect(answer.status, `${method} ${route}`).toBe(401);
      const mcpEndpoint = ['/mcp', '/sse', '/messages'].includes(route.split('?')[0]!);
      expect(answer.body, `${method} ${route}`).toEqual(mcpEndpoint ? mcpRefusal(missing) : missing);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="bio-mcp-queue"');
    }
    expect((await h.api(undefined, 'GET', '/health')).status).toBe(200);
  });

  it('refuses a wrong key, and a key sent in another scheme', async () => {
    const wrong = await h.api(`${h.keys.alice}x`, 'GET', '/jobs');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(invalid);
    const basic = await h.api(undefined, 'GET', '/jobs', undefined, { Authorization: `Basic ${Buffer.from(`alice:${h.keys.alice}`).toString('base64')}` });
    expect(basic.status).toBe(401);
    expect(basic.body).toEqual(invalid);
    expect((await h.api(h.keys.alice, 'GET', '/jobs')).status).toBe(200);
  });
});

describe('two Authorization headers', () => {
  const twice = { code: 'input_invalid', field: 'Authorization', message: 'Authorization: sent 2 times; send one "Authorization: Bearer <API key>" header' };

  it('get 400 on every authenticated route, even when both carry the same valid key', async () => {
    for (const [method, route] of [
      ['GET', '/jobs'],
      ['POST', '/uploads'],
      ['GET', '/queues/stats'],
      ['POST', '/mcp'],
      ['GET', '/sse'],
    ] as const) {
      for (const keys of [[h.keys.alice, h.keys.bob], [h.keys.alice, h.keys.alice]]) {
        const answer = await rawRequest(h.url, method, route, { Authorization: keys.map((k) => `Bearer ${k}`) });
        expect(answer.status, `${method} ${route}`).toBe(400);
        expect(answer.body, `${method} ${route}`).toEqual(route === '/mcp' || route === '/sse' ? mcpRefusal(twice) : twice);
      }
    }
    // One header (in any letter case) is as before.
    expect((await rawRequest(h.url, 'GET', '/jobs', { authorization: `Bearer ${h.keys.alice}` })).status).toBe(200);
  });
});

describe('bodies that cannot be read', () => {
  const submission = JSON.stringify({ job_type: 'blastn', parameters: { query: QUERY, database: 'lambda' } });
  const initialize = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  const send = (route: string, headers: Record<string, string>, body: Buffer | string) =>
    rawRequest(h.url, 'POST', route, { Authorization: `Bearer ${h.keys.alice}`, Accept: 'application/json, text/event-stream', 'Content-Type': 'application/json', ...headers }, body);

  const cases: { what: string; headers: Record<string, string>; body: (json: string) => Buffer | string; error: { code: string; field: string; message: string } }[] = [
    {
      what: 'a charset other than utf-8',
      headers: { 'Content-Type': 'application/json; charset=foo' },
      body: (json: string) => json,
      error: { code: 'input_invalid', field: 'Content-Type', message: 'Content-Type: charset "foo" is not supported; send JSON as utf-8' },
    },
    {
      what: 'an unknown Content-Encoding',
      headers: { 'Content-Encoding': 'x-unheard-of' },
      body: (json: string) => json,
      error: { code: 'input_invalid', field: 'Content-Encoding', message: 'Content-Encoding: "x-unheard-of" is not supported; send the body uncompressed, or as gzip, deflate or br' },
    },
    {
      what: 'a gzip header on a body that is not gzip',
      headers: { 'Content-Encoding': 'gzip' },
      body: (json: string) => json,
      error: { code: 'input_invalid', field: 'Content-Encoding', message: 'Content-Encoding: the body is not valid gzip data (incorrect header check)' },
    },
    {
      what: 'gzip cut short',
      headers: { 'Content-Encoding': 'gzip' },
      body: (json: string) => gzipSync(json).subarray(0, 20),
      error: { code: 'input_invalid', field: 'Content-Encoding', message: 'Content-Encoding: the body is not valid gzip data (unexpected end of file)' },
    },
  ];

  for (const { what, headers, body, error } of cases) {
    it(`answer ${what} with 400 naming the header, on REST and on /mcp`, async () => {
      const rest = await send('/jobs/submit', headers, body(submission));
      expect(rest.status).toBe(400);
      expect(rest.body).toEqual(error);
      const mcp = await send('/mcp', headers, body(initialize));
      expect(mcp.status).toBe(400);
      expect(mcp.body).toEqual(mcpRefusal(error));
    });
  }

  it('take a body that is gzip as its header says', async () => {
    const rest = await send('/jobs/submit', { 'Content-Encoding': 'gzip' }, gzipSync(submission));
    expect(rest.status).toBe(202);
  });

  it('answer JSON-RPC\'s parse error on /mcp for a body that is not JSON', async () => {
    const mcp = await send('/mcp', {}, '{"jsonrpc": "2.0",');
    expect(mcp.status).toBe(400);
    expect(mcp.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700, data: { code: 'input_invalid', field: 'body' }, message: expect.stringMatching(/^body: not valid JSON \(/) } });
  });
});

describe('bad requests', () => {
  const submit = (body: unknown) => h.api(h.keys.alice, 'POST', '/jobs/submit', body);
  const params = { query: QUERY, database: 'lambda' };

  it('name the body field at fault', async () => {
    expect((await submit({ job_type: 'blastn', parameters: params, priority: 11 })).body).toEqual({ code: 'input_invalid', field: 'priority', message: 'priority: must be from 1 to 10' });
    expect((await submit({ job_type: 'blastn', parameters: params, priority: 2.5 })).body).toEqual({ code: 'input_invalid', field: 'priority', message: 'priority: must be a whole number' });
    expect((await submit({ job_type: 'blastn', parameters: params, colour: 'red' })).body).toEqual({
      code: 'input_invalid',
      field: 'colour',
      message: 'colour: not a field of this request (expected: job_type, parameters, priority, idempotency_key, notify_url)',
    });
    const noType = await submit({ parameters: params });
    expect(noType.status).toBe(400);
    expect(noType.body).toMatchObject({ code: 'input_invalid', field: 'job_type', message: expect.stringMatching(/^job_type: /) });
    expect((await submit({ job_type: 'blastz', parameters: params })).body).toEqual({ code: 'input_invalid', field: 'job_type', message: 'job_type: unknown tool "blastz"' });
    const param = await submit({ job_type: 'blastn', parameters: { ...params, evalue: -1 } });
    expect(param.status).toBe(400);
    expect(param.body).toMatchObject({ code: 'input_invalid', field: 'evalue', message: expect.stringMatching(/^evalue: /) });
  });

  it('say when the body is not JSON, or not an object', async () => {
    const broken = await submit('{"job_type": "blastn",');
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ code: 'input_invalid', field: 'body', message: expect.stringMatching(/^body: not valid JSON \(/) });
    const list = await submit([1, 2]);
    expect(list.status).toBe(400);
    expect(list.body).toEqual({ code: 'input_invalid', field: 'body', message: 'body: expected a JSON object, sent with Content-Type: application/json' });
    const none = await h.api(h.keys.alice, 'POST', '/jobs/submit');
    expect(none.body).toEqual(list.body);
  });

  it('name the query parameter at fault', async () => {
    const list = (query: string) => h.api(h.keys.alice, 'GET', `/jobs?${query}`);
    expect((await list('limit=0')).body).toEqual({ code: 'input_invalid', field: 'limit', message: 'limit: expected a whole number from 1 to 100' });
    expect((await list('limit=ten')).body).toEqual({ code: 'input_invalid', field: 'limit', message: 'limit: expected a whole number from 1 to 100' });
    const status = await list('status=done');
    expect(status.status).toBe(400);
    expect(status.body).toMatchObject({ code: 'input_invalid', field: 'status', message: expect.stringMatching(/^status: /) });
    expect((await list('cursor=bm9wZQ')).body).toEqual({ code: 'input_invalid', field: 'cursor', message: 'cursor: not a cursor this server gave out' });
    expect((await list('colour=red')).body).toEqual({
      code: 'input_invalid',
      field: 'colour',
      message: 'colour: not a query parameter of this request (expected: status, tool, limit, cursor)',
    });
  });
});

describe('not found', () => {
  it('answers an unknown job with 404', async () => {
    const answer = await h.api(h.keys.alice, 'GET', '/jobs/blast-0000000000000000/status');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 'not_found', message: 'no job "blast-0000000000000000"; list_jobs shows the jobs that exist' });
    const nonsense = await h.api(h.keys.alice, 'GET', '/jobs/nonsense/result');
    expect(nonsense.status).toBe(404);
    expect(nonsense.body).toEqual({ code: 'not_found', message: 'no job "nonsense"; list_jobs shows the jobs that exist' });
  });

  it('answers an unknown route with 404 JSON', async () => {
    const answer = await h.api(h.keys.alice, 'PUT', '/jobs/submit');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 'not_found', message: 'no route PUT /jobs/submit; GET /openapi.json lists the routes' });
  });
});

describe('oversized bodies', () => {
  it('get 413 on REST and on /mcp', async () => {
    const big = { job_type: 'blastn', parameters: { query: `>q\n${'A'.repeat(MAX_BODY)}\n`, database: 'lambda' } };
    const expected = {
      code: 'payload_too_large',
      message: `body: larger than the ${MAX_BODY}-byte limit (BIO_QUEUE_MAX_BODY_BYTES); send files through POST /uploads instead`,
    };
    const rest = await h.api(h.keys.alice, 'POST', '/jobs/submit', big);
    expect(rest.status).toBe(413);
    expect(rest.body).toEqual(expected);
    const mcp = await h.api(h.keys.alice, 'POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'initialize', params: { padding: 'x'.repeat(MAX_BODY) } }, { Accept: 'application/json, text/event-stream' });
    expect(mcp.status).toBe(413);
    expect(mcp.body).toEqual(mcpRefusal(expected));
  });
});

describe('the submission rate limit', () => {
  let limited: HttpHarness;
  beforeAll(async () => {
    limited = await startHttpHarness({ embeddedWorker: false, env: { BIO_QUEUE_SUBMIT_RATE_LIMIT: '2' } });
  });
  afterAll(async () => limited?.close());

  it('answers 429 with Retry-After past the limit, per key', async () => {
    const submit = (key: string) => limited.api<Submission>(key, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: QUERY, database: 'lambda' } });
    expect((await submit(limited.keys.alice)).status).toBe(202);
    expect((await submit(limited.keys.alice)).status).toBe(202);
    // Windows are whole minutes: should one end between these calls, the count starts over
    // and up to two more go through before the refusal.
    let third = await submit(limited.keys.alice);
    for (let extra = 0; third.status === 202 && extra < 2; extra++) third = await submit(limited.keys.alice);
    expect(third.status).toBe(429);
    const retryAfter = Number(third.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(third.body).toEqual({
      code: 'rate_limited',
      message: `"alice" has made more than 2 submissions this minute (BIO_QUEUE_SUBMIT_RATE_LIMIT); try again in ${retryAfter} s`,
    });
    // bob has a limit of his own.
    expect((await submit(limited.keys.bob)).status).toBe(202);
  });
});
