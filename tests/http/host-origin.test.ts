// DNS-rebinding protection on /mcp, /sse and /messages: a Host the server does not answer to,
// or a browser Origin it does not trust, gets 403 before the API key is even looked at. Once a
// public URL is set, the REST API is held to the same names; /health and signed links are not.
// Sent with node:http, since fetch will not let a caller choose the Host header.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAllowed, hostOriginPolicy, originAllowed } from '../../src/http/host-origin-check.js';
import type { UploadTicket } from '../../src/storage/result-store.js';
import { mcpRefusal, rawRequest, startHttpHarness, type HttpHarness } from '../support/http-harness.js';

let h: HttpHarness;

beforeAll(async () => {
  h = await startHttpHarness({ embeddedWorker: false });
});

afterAll(async () => h?.close());

function request(path: string, headers: Record<string, string>, method = 'POST'): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${h.url}${path}`, { method, headers: { Authorization: `Bearer ${h.keys.alice}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: res.headers['content-type']?.startsWith('application/json') ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Host and Origin checks', () => {
  it('refuse a foreign Host on every MCP endpoint', async () => {
    for (const [method, path] of [['POST', '/mcp'], ['GET', '/sse'], ['POST', '/messages?sessionId=x']] as const) {
      expect(await request(path, { Host: 'rebound.example:80' }, method)).toEqual({
        status: 403,
        body: mcpRefusal({ code: 'forbidden', message: 'Host: "rebound.example:80" is not a name this server answers to (BIO_QUEUE_ALLOWED_HOSTS)' }),
      });
    }
  });

  it('refuse a foreign Origin', async () => {
    expect(await request('/mcp', { Origin: 'http://rebound.example' })).toEqual({
      status: 403,
      body: mcpRefusal({ code: 'forbidden', message: 'Origin: "http://rebound.example" may not use this server (BIO_QUEUE_ALLOWED_ORIGINS)' }),
    });
  });

  it('let loopback names and origins through to the MCP transport', async () => {
    // Past the checks, the MCP session handler answers: a non-initialize request needs a session.
    const accepted: Record<string, string>[] = [{ Host: 'localhost:9999' }, { Host: '[::1]:1' }, { Origin: 'http://localhost:5173' }, { Origin: 'http://127.0.0.1:8000' }];
    for (const headers of accepted) {
      const answer = await request('/mcp', headers);
      expect(answer.status, JSON.stringify(headers)).toBe(400);
      expect(answer.body).toMatchObject({ error: { data: { field: 'mcp-session-id' } } });
    }
  });

  it('leave the REST API to the API key while no public URL or host list is set', async () => {
    expect((await request('/jobs', { Host: 'bio.example.org' }, 'GET')).status).toBe(200);
  });
});

describe('with a public URL set', () => {
  let pub: HttpHarness;
  beforeAll(async () => {
    pub = await startHttpHarness({ embeddedWorker: false, env: { BIO_QUEUE_PUBLIC_URL: 'https://bio.example.org' } });
  });
  afterAll(async () => pub?.close());

  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    rawRequest(pub.url, method, path, { Authorization: `Bearer ${pub.keys.alice}`, ...headers }, body);

  it('the REST API refuses a foreign Host or Origin as /mcp does, before the API key', async () => {
    for (const [method, path] of [['GET', '/jobs'], ['POST', '/jobs/submit'], ['GET', '/jobs/blast-0000000000000000/status'], ['GET', '/jobs/blast-0000000000000000/events'], ['DELETE', '/jobs/blast-0000000000000000'], ['POST', '/uploads'], ['GET', '/queues/stats'], ['GET', '/workers'], ['POST', '/workers/nohost.1.abcdef/shutdown'], ['GET', '/openapi.json'], ['GET', '/no/such/route']] as const) {
      const rebound = await send(method, path, { Host: 'rebound.example' });
      expect(rebound.status, `${method} ${path}`).toBe(403);
      expect(rebound.body).toEqual({ code: 'forbidden', message: 'Host: "rebound.example" is not a name this server answers to (BIO_QUEUE_ALLOWED_HOSTS)' });
      const keyless = await rawRequest(pub.url, method, path, { Host: 'rebound.example' });
      expect(keyless.status, `${method} ${path} without a key`).toBe(403);
    }
    expect(await send('GET', '/jobs', { Host: 'bio.example.org', Origin: 'https://rebound.example' })).toEqual(
      expect.objectContaining({ status: 403, body: { code: 'forbidden', message: 'Origin: "https://rebound.example" may not use this server (BIO_QUEUE_ALLOWED_ORIGINS)' } }),
    );
    expect((await send('POST', '/mcp', { Host: 'rebound.example' })).status).toBe(403);
  });

  it('the REST API answers its public name, its origin and loopback', async () => {
    expect((await send('GET', '/jobs', { Host: 'bio.example.org' })).status).toBe(200);
    expect((await send('GET', '/jobs', { Host: 'bio.example.org:443', Origin: 'https://bio.example.org' })).status).toBe(200);
    expect((await send('GET', '/queues/stats', { Host: 'localhost:8000' })).status).toBe(200);
  });

  it('/health, /metrics and signed /files links answer whatever the Host: probes, scrapers and proxies use names of their own', async () => {
    expect((await rawRequest(pub.url, 'GET', '/health', { Host: '10.0.0.7:8000' })).status).toBe(200);
    // Prometheus scrapes each replica by its address; /metrics still wants its credential.
    expect((await rawRequest(pub.url, 'GET', '/metrics', { Host: '10.0.0.7:8000', Authorization: `Bearer ${pub.keys.admin}` })).status).toBe(200);
    expect((await rawRequest(pub.url, 'GET', '/metrics', { Host: '10.0.0.7:8000' })).status).toBe(401);
    const ticket = (await send('POST', '/uploads', { Host: 'bio.example.org' })).body as UploadTicket;
    expect(ticket.url.startsWith('https://bio.example.org/files/uploads/alice/')).toBe(true);
    const link = new URL(ticket.url);
    const put = await rawRequest(pub.url, 'PUT', `${link.pathname}${link.search}`, { Host: 'storage.internal' }, '>s\nACGT\n');
    expect(put.status).toBe(200);
    // The signature still is the permission: a link altered by one character is refused.
    const forged = await rawRequest(pub.url, 'PUT', `${link.pathname}x${link.search}`, { Host: 'bio.example.org' }, '>s\nACGT\n');
    expect(forged.status).toBe(403);
  });
});

describe('the policy', () => {
  it('defaults to loopback plus the public URL\'s host and origin', () => {
    const policy = hostOriginPolicy('https://bio.example.org', undefined, undefined);
    expect(policy).toEqual({
      hosts: ['localhost', '127.0.0.1', '[::1]', 'bio.example.org'],
      origins: ['https://bio.example.org', 'http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'],
    });
    expect(hostAllowed('bio.example.org', policy.hosts)).toBe(true);
    expect(hostAllowed('BIO.example.org:443', policy.hosts)).toBe(true);
    expect(hostAllowed('bio.example.org.evil.net', policy.hosts)).toBe(false);
    expect(hostAllowed('', policy.hosts)).toBe(false);
    expect(originAllowed('https://bio.example.org', policy.origins)).toBe(true);
    expect(originAllowed('http://bio.example.org', policy.origins)).toBe(false);
    expect(originAllowed('http://localhost', policy.origins)).toBe(true);
    expect(originAllowed('http://localhost.evil.net', policy.origins)).toBe(false);
    expect(originAllowed('http://localhost:80x', policy.origins)).toBe(false);
    expect(originAllowed('null', policy.origins)).toBe(false);
  });

  it('takes configured lists as they are: a host with a port matches that port only', () => {
    const policy = hostOriginPolicy('http://127.0.0.1:8000', ['mcp.lab.internal:8443'], ['https://chat.lab.internal']);
    expect(hostAllowed('mcp.lab.internal:8443', policy.hosts)).toBe(true);
    expect(hostAllowed('mcp.lab.internal:8444', policy.hosts)).toBe(false);
    expect(hostAllowed('localhost', policy.hosts)).toBe(false);
    expect(originAllowed('https://chat.lab.internal', policy.origins)).toBe(true);
    expect(originAllowed('http://localhost:3000', policy.origins)).toBe(false);
  });
});
