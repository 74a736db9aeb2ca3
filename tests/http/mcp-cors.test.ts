// CORS on /mcp for MCP clients in a web page: an allowed Origin (BIO_QUEUE_ALLOWED_ORIGINS) gets
// its preflight answered without an API key, and every answer readable with the session headers
// exposed; any other Origin is refused with 403 and no CORS headers at all. Real HTTP, with fetch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';

const APP = 'https://app.example.org';
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'browser', version: '1.0.0' } },
};

let h: HttpHarness;

beforeAll(async () => {
  h = await startHttpHarness({ embeddedWorker: false, env: { BIO_QUEUE_ALLOWED_ORIGINS: APP } });
});

afterAll(async () => h?.close());

const preflight = (origin: string) =>
  fetch(`${h.url}/mcp`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type, mcp-session-id' },
  });

const corsHeaders = (headers: Headers) => [...headers.keys()].filter((name) => name.startsWith('access-control-'));

describe('CORS on /mcp', () => {
  it('answers an allowed origin\'s preflight with 204, no API key needed', async () => {
    const answer = await preflight(APP);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
    expect(answer.headers.get('access-control-allow-methods')).toBe('GET, POST, DELETE, OPTIONS');
    expect(answer.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name');
    expect(answer.headers.get('vary')).toMatch(/Origin/);
  });

  it('refuses the preflight of any other origin with 403 and no CORS headers', async () => {
    for (const origin of ['https://evil.example.org', 'http://localhost:5173']) {
      const answer = await preflight(origin);
      expect(answer.status, origin).toBe(403);
      expect(corsHeaders(answer.headers), origin).toEqual([]);
    }
  });

  it('lets an allowed origin read the session id of the session it opens', async () => {
    const answer = await h.api(h.keys.alice, 'POST', '/mcp', INITIALIZE, { Origin: APP, Accept: 'application/json, text/event-stream' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
    expect(answer.headers.get('access-control-expose-headers')).toBe('Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate');
    const session = answer.headers.get('mcp-session-id')!;
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    const closed = await h.api(h.keys.alice, 'DELETE', '/mcp', undefined, { Origin: APP, 'Mcp-Session-Id': session, 'Mcp-Protocol-Version': '2025-06-18' });
    expect(closed.status).toBe(200);
    expect(closed.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('lets an allowed origin read a refusal too: a request without an API key', async () => {
    const answer = await h.api(undefined, 'POST', '/mcp', INITIALIZE, { Origin: APP, Accept: 'application/json, text/event-stream' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('refuses any other origin\'s requests with no CORS headers, and adds none for clients that send no Origin', async () => {
    const foreign = await h.api(h.keys.alice, 'POST', '/mcp', INITIALIZE, { Origin: 'https://evil.example.org', Accept: 'application/json, text/event-stream' });
    expect(foreign.status).toBe(403);
    expect(corsHeaders(foreign.headers)).toEqual([]);
    const plain = await h.api(h.keys.alice, 'POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { Accept: 'application/json, text/event-stream' });
    expect(plain.status).toBe(400);
    expect(corsHeaders(plain.headers)).toEqual([]);
  });
});
