// Request handlers written against Node's own request and response, so that one function serves
// both in express's chains and in the /mcp endpoint, which runs ahead of express (mcp-endpoint.ts,
// issue 11). Express's request and response are Node's with more methods; these handlers use
// none of them.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request as the handlers see it: Node's, with the JSON body once read (json-body.ts). */
export type NodeRequest = IncomingMessage & { body?: unknown };
export type NextFunction = (err?: unknown) => void;
export type NodeHandler = (req: NodeRequest, res: ServerResponse, next: NextFunction) => void | Promise<void>;

/**
 * The request's path without its query, as express's `req.path` gives it (parseurl): a request
 * for an absolute URL (a proxy's form) has the path of that URL.
 */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  if (!url.startsWith('/')) {
    try {
      return new URL(url).pathname;
    } catch {
      return url;
    }
  }
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** A request header's value (lower-case name), as express's `req.get` reads it; repeats Node kept apart are joined. */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Runs `handlers` in order, as express runs a route's: each calls next() to go on, or next(err),
 * throws or rejects to stop with an error, which goes to `done` (as does the end of the list).
 */
export function runHandlers(handlers: readonly NodeHandler[], req: NodeRequest, res: ServerResponse, done: NextFunction): void {
  let at = 0;
  const next: NextFunction = (err) => {
    if (err !== undefined && err !== null) return done(err);
    const handler = handlers[at++];
    if (!handler) return done();
    try {
      const returned = handler(req, res, next);
      if (returned !== undefined) returned.catch(next);
    } catch (thrown) {
      next(thrown);
    }
  };
  next();
}

/** Writes `body` as JSON with `status`, as express's res.json does (its content type; no ETag, which nobody revalidates an error or a call by). */
export function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | number | readonly string[]> = {}): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
