// MCP over HTTP with the SDK's own clients against the real `serve` stack: Streamable HTTP at
// /mcp and the legacy SSE transport at /sse each run a blastn to its result; the result link
// downloads the stored file byte for byte; a client that reconnects with its session id keeps
// working; create_upload_url feeds a search.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/jobs/job-model.js';
import type { UploadTicket } from '../../src/storage/result-store.js';
import { callError, callOk, FIXTURES, waitDone } from '../support/harness.js';
import { mcpRefusal, startHttpHarness, type HttpHarness } from '../support/http-harness.js';

let h: HttpHarness;
const QUERY = path.join(FIXTURES, 'lambda_queries.fa');

beforeAll(async () => {
  h = await startHttpHarness();
  const client = await h.mcp(h.keys.alice);
  const build = await callOk<{ job_id: string }>(client, 'make_blast_db_async', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
  expect((await waitDone(client, build.job_id)).status).toBe('completed');
});

afterAll(async () => h?.close());

// Runs a blastn of the lambda reads through a client and returns its result.
async function blastThrough(client: Client, query = QUERY): Promise<JobResult> {
  const submitted = await callOk<{ job_id: string }>(client, 'blastn_async', { query, database: 'lambda' });
  expect((await waitDone(client, submitted.job_id)).status).toBe('completed');
  return callOk<JobResult>(client, 'get_job_result', { job_id: submitted.job_id });
}

describe('Streamable HTTP (/mcp)', () => {
  it('runs a blastn to its result, whose link downloads the stored file byte for byte', async () => {
    const client = await h.mcp(h.keys.alice);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['blastn_async', 'get_job_result', 'create_upload_url']));

    const result = await blastThrough(client);
    expect(result.summary).toMatchObject({ hit_count: 20, queries_with_hits: 20 });
    const file = result.files[0]!;
    expect(file.url.startsWith(`${h.server.publicUrl}/files/${result.job_id}/hits.tsv?`)).toBe(true);
    const download = await fetch(file.url);
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.equals(await fs.readFile(path.join(h.config.resultsDir, result.job_id, 'hits.tsv')))).toBe(true);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
  });

  it('answers resources/read of a bad page with Invalid params naming the page, and of a missing file with Resource not found', async () => {
    const client = await h.mcp(h.keys.alice);
    const result = await blastThrough(client);
    const uri = result.files[0]!.resource_uri;
    expect((await client.readResource({ uri: `${uri}?page=1` })).contents).toHaveLength(1);
    const invalid = (field: string, message: string) => ({ code: -32602, message: `MCP error -32602: ${message}`, data: { code: 'input_invalid', field } });
    for (const page of ['0', '-1', 'abc', '1.5', '0x10', '', '99999999999999999999']) {
      await expect(client.readResource({ uri: `${uri}?page=${page}` }), page).rejects.toMatchObject(invalid('page', `page: expected a whole number from 1, got "${page}"`));
    }
    expect(result.files[0]!.size_bytes).toBeLessThan(64 * 1024);
    await expect(client.readResource({ uri: `${uri}?page=2` })).rejects.toMatchObject(invalid('page', 'page: 2 is past the end: hits.tsv has 1 page of 64 KiB'));
    await expect(client.readResource({ uri: `bio-mcp-queue://jobs/${result.job_id}/files/%E0%A4%A` })).rejects.toMatchObject(invalid('name', 'name: "%E0%A4%A" is not a percent-encoded file name'));
    await expect(client.readResource({ uri: `bio-mcp-queue://jobs/${result.job_id}/files/nope.tsv` })).rejects.toMatchObject({
      code: -32002,
      message: `MCP error -32002: job ${result.job_id} has no output file "nope.tsv"`,
      data: { code: 'not_found' },
    });
    await expect(client.readResource({ uri: 'bio-mcp-queue://jobs/blast-0000000000000000/files/hits.tsv' })).rejects.toMatchObject({ code: -32002 });
  });

  it('keeps a session working for a client that reconnects with its session id, until it ends it', async () => {
    const requestInit = { headers: { Authorization: `Bearer ${h.keys.alice}` } };
    const first = new Client({ name: 'reconnecting', version: '1.0.0' });
    const firstTransport = new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), { requestInit });
    await first.connect(firstTransport);
    const sessionId = firstTransport.sessionId!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const submitted = await callOk<{ job_id: string }>(first, 'blastn_async', { query: QUERY, database: 'lambda' });
    const sessions = h.server.app.mcpSessions.size;
    await first.close(); // the connection goes; the session stays on the server

    const again = new Client({ name: 'reconnecting', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), { requestInit, sessionId });
    await again.connect(transport); // no new initialize: the session is resumed
    expect((await waitDone(again, submitted.job_id)).status).toBe('completed');
    expect(transport.sessionId).toBe(sessionId);
    expect(h.server.app.mcpSessions.size).toBe(sessions);

    await transport.terminateSession(); // DELETE /mcp
    expect(h.server.app.mcpSessions.size).toBe(sessions - 1);
    const gone = await fetch(`${h.url}/mcp`, {
      method: 'POST',
      headers: { ...requestInit.headers, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual(
      mcpRefusal({ code: 'not_found', message: `mcp-session-id: no session "${sessionId}" for this API key (it may have been closed); start a new one with initialize` }, -32001, 1),
    );
    await again.close();
  });

  it('turns create_upload_url into a search input: PUT the FASTA, give upload_ref', async () => {
    const client = await h.mcp(h.keys.bob);
    const ticket = await callOk<UploadTicket>(client, 'create_upload_url');
    expect(ticket.url.startsWith(`${h.server.publicUrl}/files/uploads/bob/${ticket.upload_id}?`)).toBe(true);
    const put = await fetch(ticket.url, { method: 'PUT', body: await fs.readFile(QUERY) });
    expect(put.status).toBe(200);
    const result = await blastThrough(client, ticket.upload_ref);
    expect(result.summary).toMatchObject({ hit_count: 20, queries_with_hits: 20 });
  });

  it('refuses a request without a session id that is not an initialize', async () => {
    const answer = await fetch(`${h.url}/mcp`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${h.keys.alice}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual(
      mcpRefusal({ code: 'input_invalid', field: 'mcp-session-id', message: 'mcp-session-id: header missing; start a session with an initialize request first' }, -32000, 1),
    );
  });
});

// Reads server-sent events from a fetch response until `until` accepts one.
async function readSseUntil(response: Response, until: (e: { id?: string; data: string }) => boolean): Promise<{ id?: string; data: string }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before the awaited event; got: ${buffer}`);
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: { id?: string; data: string } = { data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) event.id = line.slice(4);
        if (line.startsWith('data: ')) event.data += line.slice(6);
      }
      if (until(event)) {
        await reader.cancel();
        return event;
      }
    }
  }
}

describe('Streamable HTTP resumability', () => {
  let idle: HttpHarness;
  beforeAll(async () => {
    idle = await startHttpHarness({ embeddedWorker: false }); // jobs stay queued: wait_for_job runs its full timeout
  });
  afterAll(async () => idle?.close());

  it('replays the answer of a call whose stream dropped to a GET with Last-Event-ID', async () => {
    const client = await idle.mcp(idle.keys.alice);
    const { job_id } = await callOk<{ job_id: string }>(client, 'blastn_async', { query: QUERY, database: 'lambda' });
    const transport = (client as unknown as { transport: StreamableHTTPClientTransport }).transport;
    const headers = {
      Authorization: `Bearer ${idle.keys.alice}`,
      'mcp-session-id': transport.sessionId!,
      'mcp-protocol-version': transport.protocolVersion!,
    };
    const call = new AbortController();
    const post = await fetch(`${idle.url}/mcp`, {
      method: 'POST',
      signal: call.signal,
      headers: { ...headers, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'resume-me', method: 'tools/call', params: { name: 'wait_for_job', arguments: { job_id, timeout_seconds: 1 } } }),
    });
    expect(post.headers.get('content-type')).toBe('text/event-stream');
    // The first event only hands out an id to resume from; then the connection drops.
    const priming = await readSseUntil(post, () => true);
    expect(priming).toEqual({ id: expect.any(String), data: '' });
    call.abort();

    // As the SDK's client does: reconnect, and again (409) until the server has seen the old stream go.
    let resumed: Response;
    for (;;) {
      resumed = await fetch(`${idle.url}/mcp`, { headers: { ...headers, Accept: 'text/event-stream', 'last-event-id': priming.id! } });
      if (resumed.status !== 409) break;
      await resumed.body?.cancel();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(resumed.status).toBe(200);
    const answer = await readSseUntil(resumed, (e) => e.data !== '');
    const message = JSON.parse(answer.data) as { id: string; result: { structuredContent: { job_id: string; status: string; timed_out: boolean } } };
    expect(message.id).toBe('resume-me');
    expect(message.result.structuredContent).toMatchObject({ job_id, status: 'queued', timed_out: true });
  });
});

describe('legacy SSE (/sse + /messages)', () => {
  it('runs a blastn to its result', async () => {
    const client = await h.mcp(h.keys.alice, 'sse');
    const result = await blastThrough(client);
    expect(result.summary).toMatchObject({ hit_count: 20, queries_with_hits: 20 });
    const download = await fetch(result.files[0]!.url);
    expect(createHash('sha256').update(Buffer.from(await download.arrayBuffer())).digest('hex')).toBe(result.files[0]!.sha256);
  });

  it('answers tool errors as results, as over stdio', async () => {
    const client = await h.mcp(h.keys.alice, 'sse');
    expect(await callError(client, 'get_job_status', { job_id: 'blast-0000000000000000' })).toBe(
      'not_found: no job "blast-0000000000000000"; list_jobs shows the jobs that exist',
    );
  });
});
