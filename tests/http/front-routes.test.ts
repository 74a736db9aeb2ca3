// /mcp and POST /jobs/submit are served ahead of express (src/http/front-routes.ts) and must
// answer every request as express's routes did: the same paths (any case, a trailing slash, a
// query, a proxy's absolute URL), HEAD as GET, the checks before any method is refused, and the
// refusals in the shape of their door (JSON-RPC on /mcp); a path under /mcp stays express's, a
// REST 404, and so does another method of /jobs/submit. Real HTTP.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpRefusal, rawRequest, startHttpHarness, type HttpHarness } from '../support/http-harness.js';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'endpoint-test', version: '1.0.0' } },
});
const ACCEPT = 'application/json, text/event-stream';

let h: HttpHarness;

beforeAll(async () => {
  h = await startHttpHarness({ embeddedWorker: false });
});

afterAll(async () => h?.close());

const headersFor = (key: string | undefined) => ({ ...(key === undefined ? {} : { Authorization: `Bearer ${key}` }), 'Content-Type': 'application/json', Accept: ACCEPT });

describe('/mcp ahead of express', () => {
  it('opens a session at every spelling of its path express routed to it', async () => {
    for (const path of ['/mcp', '/mcp/', '/MCP', '/Mcp/?from=test', '/mcp?x=1&y']) {
      const answer = await rawRequest(h.url, 'POST', path, headersFor(h.keys.alice), INITIALIZE);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['mcp-session-id'], path).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('serves a request for its absolute URL, as a forward proxy sends it', async () => {
    const absolute = await sendRaw(`POST ${h.url}/mcp HTTP/1.1\r\nHost: ${new URL(h.url).host}\r\nAuthorization: Bearer ${h.keys.alice}\r\nContent-Type: application/json\r\nAccept: ${ACCEPT}\r\nContent-Length: ${Buffer.byteLength(INITIALIZE)}\r\n\r\n${INITIALIZE}`);
    expect(absolute).toMatch(/^HTTP\/1\.1 200 /);
    expect(absolute).toMatch(/\r\nmcp-session-id: [0-9a-f-]{36}\r\n/i);
  });

  it('asks for the API key before it refuses a method it does not serve', async () => {
    const unsigned = await rawRequest(h.url, 'PUT', '/mcp', headersFor(undefined), '{}');
    expect(unsigned.status).toBe(401);
    expect(unsigned.body).toMatchObject({ jsonrpc: '2.0', error: { data: { code: 'unauthorized' } } });

    const put = await rawRequest(h.url, 'PUT', '/mcp', headersFor(h.keys.alice), '{}');
    expect(put.status).toBe(404);
    expect(put.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(put.body).toEqual(mcpRefusal({ code: 'not_found', message: 'no route PUT /mcp; GET /openapi.json lists the routes' }, -32001));
  });

  it('serves HEAD as GET: without a session it is refused as a GET is, with no body', async () => {
    const get = await rawRequest(h.url, 'GET', '/mcp', headersFor(h.keys.alice));
    const head = await rawRequest(h.url, 'HEAD', '/mcp', headersFor(h.keys.alice));
    expect(get.status).toBe(400);
    expect(get.body).toMatchObject({ error: { data: { code: 'input_invalid', field: 'mcp-session-id' } } });
    expect(head.status).toBe(400);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.body).toBe('');
  });

  it('leaves a path under /mcp to the app: a route that does not exist, in the REST shape', async () => {
    const answer = await h.api(h.keys.alice, 'POST', '/mcp/extra', {});
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 'not_found', message: 'no route POST /mcp/extra; GET /openapi.json lists the routes' });
    // And a path that only starts like it.
    expect((await h.api(h.keys.alice, 'POST', '/mcpx', {})).body).toEqual({ code: 'not_found', message: 'no route POST /mcpx; GET /openapi.json lists the routes' });
  });

  it('answers a body that is not JSON with a JSON-RPC parse error naming the body', async () => {
    const answer = await rawRequest(h.url, 'POST', '/mcp', headersFor(h.keys.alice), '{"jsonrpc":');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700, data: { code: 'input_invalid', field: 'body' } } });
  });
});

describe('POST /jobs/submit ahead of express', () => {
  const submit = JSON.stringify({ job_type: 'seqkit_stats', parameters: { sequences: 'nope.fa' } });

  it('is taken at every spelling of its path express routed to it, behind the API key', async () => {
    for (const path of ['/jobs/submit', '/JOBS/Submit/', '/jobs/submit?x=1']) {
      const unsigned = await rawRequest(h.url, 'POST', path, headersFor(undefined), submit);
      expect(unsigned.status, path).toBe(401);
      expect(unsigned.body, path).toMatchObject({ code: 'unauthorized' });
      // Past the key, the body is checked: the input names no file of the caller's.
      const answer = await rawRequest(h.url, 'POST', path, headersFor(h.keys.alice), submit);
      expect(answer.status, path).toBe(400);
      expect(answer.headers['content-type'], path).toBe('application/json; charset=utf-8');
      expect(answer.body, path).toMatchObject({ code: 'input_invalid', field: 'sequences' });
    }
  });

  it('leaves every other method of its path to the app', async () => {
    for (const method of ['GET', 'PUT']) {
      const answer = await rawRequest(h.url, method, '/jobs/submit', headersFor(h.keys.alice));
      expect(answer.status, method).toBe(404);
      expect(answer.body, method).toEqual({ code: 'not_found', message: `no route ${method} /jobs/submit; GET /openapi.json lists the routes` });
    }
    // DELETE /jobs/:id takes it, as before.
    const deleted = await rawRequest(h.url, 'DELETE', '/jobs/submit', headersFor(h.keys.alice));
    expect(deleted.body).toEqual({ code: 'not_found', message: 'no job "submit"; list_jobs shows the jobs that exist' });
  });
});

// One request written byte for byte on a new connection; the head of the answer as text (the
// connection is then dropped: an SSE answer keeps it open whatever the request asked).
function sendRaw(request: string): Promise<string> {
  const { hostname, port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(request));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.destroy();
      resolve(text.slice(0, end + 2));
    });
    socket.on('error', reject);
  });
}
