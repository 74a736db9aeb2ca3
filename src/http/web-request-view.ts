// What the SDK's web-standard Streamable HTTP transport reads of a request, over Node's own
// request, without building a WHATWG Request per call (issue 11: undici's Request and Headers,
// or @hono/node-server's conversion around them, are a measurable part of an MCP call's CPU).
// With the body already parsed (express.json) the transport (SDK 1.32) reads only `method`,
// `url` and `headers.get` / `headers.entries`; a request whose body it must read itself gets a
// real Request (requestWithBody), so this view never needs one.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';

/** A request's headers as a WHATWG Headers (undici's) reads them: names lower case, repeats joined by ", " (a Cookie's by "; "). */
class HeadersView {
  private readonly values = new Map<string, string>();

  constructor(rawHeaders: readonly string[]) {
    // From rawHeaders, as a Headers built from them would join repeats (Node's req.headers keeps
    // only the first of some names).
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toLowerCase();
      const before = this.values.get(name);
      this.values.set(name, before === undefined ? rawHeaders[i + 1]! : `${before}${name === 'cookie' ? '; ' : ', '}${rawHeaders[i + 1]!}`);
    }
  }

  get(name: string): string | null {
    return this.values.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }

  /** Sorted by name, as Headers iterates. */
  entries(): IterableIterator<[string, string]> {
    return [...this.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/**
 * The request's absolute URL, as @hono/node-server (which the SDK's Node transport uses) builds it:
 * from the Host header, or the request's own when a proxy sent an absolute URL.
 */
function urlOf(req: IncomingMessage): string {
  const target = req.url ?? '/';
  if (/^https?:\/\//i.test(target)) return target;
  const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? 'localhost'}${target}`;
}

/**
 * A view of a request whose body was already read, typed as the Request the SDK's transport takes.
 * Only `method`, `url` and `headers` exist on it: see the header of this file.
 */
export function requestView(req: IncomingMessage): Request {
  return { method: req.method ?? 'GET', url: urlOf(req), headers: new HeadersView(req.rawHeaders) } as unknown as Request;
}

/** A real WHATWG Request whose body is the Node request's unread stream, for the transport to read. */
export function requestWithBody(req: IncomingMessage): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(urlOf(req), {
    method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit);
}
