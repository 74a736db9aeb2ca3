// The busiest routes, served on Node's own request and response ahead of express (issue 11):
// /mcp and POST /jobs/submit. Express costs about 150–180 µs of CPU a request on this project's
// 2-core VMs (it swaps the prototypes of every request and response, walks its router layer by
// layer, and wraps the answer), a quarter of an MCP tool call or a REST submission; bench/RESULTS.md
// has the figures. A front route runs the same checks, in the same order, as the request met in
// express (create-app.ts), and answers its errors in the same shape (sendError). It takes a
// request exactly when express would have routed it there: the path in any case, with one
// trailing slash or a query, or a proxy's absolute URL; HEAD as GET.
import type { RequestListener, ServerResponse } from 'node:http';
import { pathOf, runHandlers, type NextFunction, type NodeHandler, type NodeRequest } from './node-handlers.js';

export interface FrontRouteOptions {
  /** The route's path, as express would have been given it ("/mcp"). */
  path: string;
  /** The methods it serves; HEAD is served as GET where GET is. */
  methods: readonly string[];
  /**
   * Another method: refused by `refuse` once the checks passed (`refuse`, as a route with an
   * `all` handler at its end does), or left to express (`express`).
   */
  otherMethods: 'refuse' | 'express';
  /** Run first, in order. */
  checks: readonly NodeHandler[];
  /** Serves a request of the methods, the checks passed. */
  handle: NodeHandler;
  /** The error for a method the route does not serve, or for a request no handler answered. */
  refuse: (req: NodeRequest) => unknown;
  /** Answers an error, as express's error handler would. */
  fail: (req: NodeRequest, res: ServerResponse, err: unknown) => void;
}

export interface FrontRoute {
  path: string;
  methods: readonly string[];
  /** Whether the request is this route's; anything else goes on to express. */
  takes(req: NodeRequest): boolean;
  serve(req: NodeRequest, res: ServerResponse): void;
}

export function frontRoute(options: FrontRouteOptions): FrontRoute {
  const { path, methods, otherMethods, checks, handle, refuse, fail } = options;
  const served = new Set(methods.includes('GET') ? [...methods, 'HEAD'] : methods);
  // Express matches a route's path in any case, with an optional trailing slash.
  const exact = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/?$`, 'i');
  const prefix = path.toLowerCase();
  const chain: NodeHandler[] = [...checks, (req, res, next) => (served.has(req.method ?? '') ? handle(req, res, next) : next(refuse(req)))];
  return {
    path,
    methods,
    takes(req) {
      if (otherMethods === 'express' && !served.has(req.method ?? '')) return false;
      const url = req.url ?? '';
      // Most requests are told apart by their first characters, before a path is cut out of the URL.
      if (url.startsWith('/') && url.slice(0, prefix.length).toLowerCase() !== prefix) return false;
      return exact.test(pathOf(req));
    },
    serve(req, res) {
      const done: NextFunction = (err) => {
        // `handle` ends each request it serves; only an error comes back here.
        if (err !== undefined && err !== null) fail(req, res, err);
        else if (!res.headersSent) fail(req, res, refuse(req));
      };
      runHandlers(chain, req, res, done);
    },
  };
}

/** The server's request listener: a front route's request to it, any other to express. */
export function withFrontRoutes(routes: readonly FrontRoute[], app: RequestListener): RequestListener {
  return (req, res) => {
    for (const route of routes) if (route.takes(req)) return route.serve(req, res);
    app(req, res);
  };
}
