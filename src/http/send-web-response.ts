// Writing the SDK transport's WHATWG Response to Node's ServerResponse, as @hono/node-server does
// for the SDK's own Node transport (status, headers, bytes and framing alike), with one
// difference in timing: an SSE answer to a POST may hold its headers up to `holdMs` for the
// stream to end. A call answered within it (a status read, a submission) then goes out as one
// socket write with a Content-Length, as @hono/node-server already sends an answer ready at once,
// instead of headers flushed alone and the event and the end after them: one write system call
// (and wake-up of the client) fewer a call (issue 11). Longer calls send their headers when the
// hold ends and stream from then on, so a client waiting on a long call still has its headers
// within `holdMs`, far inside any client's headers timeout (undici: 300 s).
import type { ServerResponse } from 'node:http';

type OutgoingHeaders = Record<string, string | string[]>;

// The response's headers as Node takes them: WHATWG Headers iterate lower-cased and sorted, and a
// Set-Cookie that repeats stays a list.
function outgoingHeaders(headers: Headers): OutgoingHeaders {
  const out: OutgoingHeaders = {};
  for (const [name, value] of headers) {
    if (name !== 'set-cookie') out[name] = value;
  }
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return out;
}

/**
 * Sends `response` on `res`; resolves when it has all been written or the client went away:
 * true when the whole body was handed to a connection the client still held.
 */
export async function sendWebResponse(response: Response, res: ServerResponse, holdMs: number): Promise<boolean> {
  const headers = outgoingHeaders(response.headers);
  if (response.body === null) {
    res.writeHead(response.status, headers);
    res.end();
    return true;
  }
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    // A JSON answer or error: the whole body is there already.
    const body = Buffer.from(await response.arrayBuffer());
    headers['content-length'] ??= String(body.byteLength);
    res.writeHead(response.status, headers);
    res.end(body);
    return true;
  }
  return sendEventStream(response.status, headers, response.body.getReader(), res, holdMs);
}

const HELD_UP = Symbol('held up');

// The socket took what was buffered, or the client went away (then nothing drains).
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function sendEventStream(status: number, headers: OutgoingHeaders, reader: ReadableStreamDefaultReader<Uint8Array>, res: ServerResponse, holdMs: number): Promise<boolean> {
  // A client gone before the end cancels the stream: the SDK drops its side of it.
  const cancel = () => void reader.cancel().catch(() => undefined);
  res.once('close', cancel);
  try {
    // What arrives before the hold ends (at once for a GET: a client listening needs its headers).
    const held: Uint8Array[] = [];
    let next = reader.read();
    let timer: NodeJS.Timeout | undefined;
    const holdEnds = new Promise<typeof HELD_UP>((resolve) => {
      if (holdMs > 0) timer = setTimeout(resolve, holdMs, HELD_UP);
      // At least what is queued by now: a replay, a priming event (two turns, as @hono/node-server reads).
      else void Promise.resolve().then(() => resolve(HELD_UP));
    });
    for (;;) {
      const chunk = await Promise.race([next, holdEnds]);
      if (chunk === HELD_UP) break;
      if (chunk.done) {
        clearTimeout(timer);
        if (res.destroyed) return false;
        // Ended within the hold: one write, framed by its length.
        const body = Buffer.concat(held);
        headers['content-length'] = String(body.byteLength);
        res.writeHead(status, headers);
        res.end(body);
        return true;
      }
      held.push(chunk.value);
      next = reader.read();
    }
    if (res.destroyed) return false;
    res.writeHead(status, headers);
    if (held.length === 0) res.flushHeaders();
    for (const chunk of held) res.write(chunk);
    for (let chunk = await next; !chunk.done; chunk = await reader.read()) {
      if (res.destroyed) return false;
      if (!res.write(chunk.value)) await drained(res);
    }
    if (res.destroyed) return false;
    res.end();
    return true;
  } catch (err) {
    // The stream failed (the SDK errored its controller): the client sees the connection end.
    res.destroy(err instanceof Error ? err : new Error(String(err)));
    return false;
  } finally {
    res.off('close', cancel);
  }
}
