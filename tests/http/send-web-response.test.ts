// The edges of /mcp's transport (node-streamable-transport.ts) on a real node:http server and
// socket: the SDK's Response written to Node as @hono/node-server wrote it, save that an SSE answer
// to a POST ending within the hold goes out in one write with its length; a longer one still
// gets its headers when the hold ends; a GET's at once; a client that leaves cancels the stream.
// And the request view the transport reads gives the headers a WHATWG Request would.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendWebResponse } from '../../src/http/send-web-response.js';
import { requestView } from '../../src/http/web-request-view.js';

const SSE_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', 'mcp-session-id': 's1' };
const EVENT = 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n';

interface Served {
  url: string;
  /** serve's write system calls on the answer's socket, counted at the socket. */
  writes: () => number;
  close: () => Promise<void>;
}

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function serve(answer: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>): Promise<Served> {
  let writes = 0;
  const server = http.createServer((req, res) => {
    const socket = req.socket as unknown as { _writeGeneric: (...args: unknown[]) => unknown };
    const writeGeneric = socket._writeGeneric.bind(socket);
    socket._writeGeneric = (...args: unknown[]) => {
      writes += 1;
      return writeGeneric(...args);
    };
    void answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    writes: () => writes,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// An SSE body the test feeds: enqueue and close whenever it likes.
function eventStream(): { body: ReadableStream<Uint8Array>; send: (text: string) => void; end: () => void; cancelled: Promise<void> } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let onCancel!: () => void;
  const cancelled = new Promise<void>((resolve) => (onCancel = resolve));
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c), cancel: () => onCancel() });
  return { body, send: (text) => controller.enqueue(new TextEncoder().encode(text)), end: () => controller.close(), cancelled };
}

// The answer's head as it came, and when it came, with the body after it.
function get(url: string, method: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; headAfterMs: number; body: Promise<string>; request: http.ClientRequest }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method }, (res) => {
      const headAfterMs = performance.now() - started;
      const body = new Promise<string>((done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
        res.on('error', () => done(Buffer.concat(chunks).toString('utf8')));
      });
      resolve({ status: res.statusCode ?? 0, headers: res.headers, headAfterMs, body, request });
    });
    request.on('error', reject);
    request.end();
  });
}

describe('sendWebResponse', () => {
  it('sends an SSE answer that ends within the hold as one write, with its length', async () => {
    let whole: Promise<boolean> | undefined;
    served = await serve(async (_req, res) => {
      const stream = eventStream();
      setTimeout(() => {
        stream.send(EVENT);
        stream.end();
      }, 15);
      whole = sendWebResponse(new Response(stream.body, { status: 200, headers: SSE_HEADERS }), res, 1000);
    });
    const answer = await get(served.url, 'POST');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream');
    expect(answer.headers['mcp-session-id']).toBe('s1');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(EVENT)));
    expect(answer.headers['transfer-encoding']).toBeUndefined();
    expect(await answer.body).toBe(EVENT);
    expect(served.writes()).toBe(1);
    expect(await whole).toBe(true);
  });

  it('sends the headers of a longer SSE answer when the hold ends, then streams its events', async () => {
    let end!: () => void;
    served = await serve(async (_req, res) => {
      const stream = eventStream();
      stream.send(': priming\n\n');
      end = () => {
        stream.send(EVENT);
        stream.end();
      };
      await sendWebResponse(new Response(stream.body, { status: 200, headers: SSE_HEADERS }), res, 40);
    });
    const answer = await get(served.url, 'POST');
    expect(answer.headAfterMs).toBeGreaterThanOrEqual(35);
    expect(answer.headAfterMs).toBeLessThan(2000);
    expect(answer.headers['transfer-encoding']).toBe('chunked');
    end();
    expect(await answer.body).toBe(`: priming\n\n${EVENT}`);
  });

  it('flushes the headers of a GET stream at once, before any event', async () => {
    served = await serve(async (_req, res) => {
      await sendWebResponse(new Response(eventStream().body, { status: 200, headers: SSE_HEADERS }), res, 0);
    });
    const answer = await get(served.url, 'GET');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream');
    answer.request.destroy();
  });

  it('cancels the stream when the client goes away, and says the answer was not delivered', async () => {
    let cancelled: Promise<void> | undefined;
    let whole: Promise<boolean> | undefined;
    served = await serve(async (_req, res) => {
      const stream = eventStream();
      cancelled = stream.cancelled;
      whole = sendWebResponse(new Response(stream.body, { status: 200, headers: SSE_HEADERS }), res, 0);
    });
    const answer = await get(served.url, 'GET');
    answer.request.destroy();
    await expect(cancelled).resolves.toBeUndefined();
    expect(await whole).toBe(false);
  });

  it('sends JSON with its length and an empty answer as it is', async () => {
    const json = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request' }, id: null });
    served = await serve(async (req, res) => {
      const response = req.method === 'POST' ? new Response(json, { status: 400, headers: { 'Content-Type': 'application/json' } }) : new Response(null, { status: 202 });
      await sendWebResponse(response, res, 1000);
    });
    const error = await get(served.url, 'POST');
    expect([error.status, error.headers['content-type'], error.headers['content-length'], await error.body]).toEqual([400, 'application/json', String(json.length), json]);
    const accepted = await get(served.url, 'DELETE');
    expect([accepted.status, await accepted.body]).toEqual([202, '']);
  });
});

describe('requestView', () => {
  it('reads method, URL and headers as a WHATWG Request built from the same request would', async () => {
    let seen: { view: Request; raw: string[] } | undefined;
    served = await serve(async (req, res) => {
      seen = { view: requestView(req), raw: [...req.rawHeaders] };
      res.end();
    });
    // As raw pairs, so names repeat and keep their case (then Node adds no Host of its own).
    await new Promise<void>((resolve, reject) => {
      const request = http.request(served!.url, { method: 'POST', headers: ['Host', new URL(served!.url).host, 'Accept', 'application/json', 'X-Many', 'a', 'x-many', 'b', 'Cookie', 'c=1', 'cookie', 'd=2', 'MCP-Session-Id', 'abc'] as unknown as http.OutgoingHttpHeaders }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      request.on('error', reject);
      request.end();
    });
    const { view, raw } = seen!;
    const real = new Headers();
    for (let i = 0; i < raw.length; i += 2) real.append(raw[i]!, raw[i + 1]!);
    expect(view.method).toBe('POST');
    expect(view.url).toBe(served.url);
    expect(Object.fromEntries(view.headers.entries())).toEqual(Object.fromEntries(real.entries()));
    expect([...view.headers.entries()].map(([name]) => name)).toEqual([...real.entries()].map(([name]) => name));
    for (const name of ['mcp-session-id', 'Accept', 'x-many', 'cookie', 'absent']) expect(view.headers.get(name)).toBe(real.get(name));
  });
});
