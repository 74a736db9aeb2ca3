// The express app of `serve`: which routes exist, in front of which checks. /health, the signed
// /files links and the OAuth protected-resource metadata are open; everything else needs an API
// key (or, with an OpenID provider configured, one of its access tokens), and /metrics an admin
// key or the scrape token; the MCP endpoints check Host
// and Origin, and so does the REST API once the server knows its names (a public URL or a
// list of hosts is set). The app exists before the runtime does (so the port is known first)
// and answers 503 until it is ready.
import type { RequestListener, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime.js';
import { accessTokenVerifier } from './access-tokens.js';
import { ADMIN_DASHBOARD_PATH, adminDashboard } from './admin-dashboard.js';
import type { ApiKeyRing } from './api-keys.js';
import { fileRoutes } from './file-routes.js';
import { frontRoute, withFrontRoutes, type FrontRoute } from './front-routes.js';
import { checkHostAndOrigin, hostOriginPolicy } from './host-origin-check.js';
import { errorHandler, HttpError, sendError } from './http-errors.js';
import { jobEventsRoute, type OpenStreams } from './job-events-route.js';
import { readJsonBody } from './json-body.js';
import { mcpCors } from './mcp-cors.js';
import { metricsRoute } from './metrics-route.js';
import { pathOf, type NodeHandler, type NodeRequest } from './node-handlers.js';
import { LegacySseSessions } from './legacy-sse-sessions.js';
import { McpSessionRecords } from './mcp-session-records.js';
import { StreamableHttpSessions } from './mcp-sessions.js';
import { openApiDocument } from './openapi.js';
import { protectedResources } from './protected-resource.js';
import { requireCaller, type OAuthGate } from './require-caller.js';
import { restRoutes, submitJob } from './rest-routes.js';
import type { SessionHomeReports } from './serve-process-messages.js';
import { SessionBudget } from './session-budget.js';
import { workerRoutes } from './worker-routes.js';

/** What the app serves from: set once the runtime has started; stopping once shutdown began. */
export interface AppState {
  runtime: Runtime | undefined;
  stopping: boolean;
}

export interface HttpAppOptions {
  config: Config;
  log: Logger;
  keys: ApiKeyRing;
  /** Where clients reach this server (links, the OpenAPI server, the Host/Origin defaults). */
  publicUrl: string;
  state: AppState;
  /** Told of every MCP session opened and closed here (`serve --processes N` routes by it). */
  sessionHomes?: SessionHomeReports;
}

export interface HttpApp {
  /** Every route but the front routes. */
  app: Express;
  /** /mcp and POST /jobs/submit, served ahead of the app. */
  frontRoutes: readonly FrontRoute[];
  /** The server's request listener: the front routes, then the app. */
  listener: RequestListener;
  mcpSessions: StreamableHttpSessions;
  sseSessions: LegacySseSessions;
  /** Every MCP session of both transports: shutdown closes them here. */
  sessions: SessionBudget;
  eventStreams: OpenStreams;
}

export function createHttpApp({ config, log, keys, publicUrl, state, sessionHomes = NO_HOMES }: HttpAppOptions): HttpApp {
  const jobs = () => {
    if (!state.runtime) throw serverStarting();
    return state.runtime.jobs;
  };
  // Made with the runtime's Redis connection, once the runtime exists.
  let records: McpSessionRecords | undefined;
  const sessionRecords = () => {
    if (!state.runtime) throw serverStarting();
    records ??= new McpSessionRecords(state.runtime.redis, config.prefix, config.http.mcpSessions.idleMs);
    return records;
  };
  const { maxBodyBytes } = config.http;
  const sessions = new SessionBudget(config.http.mcpSessions);
  const mcpSessions = new StreamableHttpSessions({ jobs, records: sessionRecords, config, log, budget: sessions, homes: sessionHomes });
  const sseSessions = new LegacySseSessions({ jobs, config, log, budget: sessions, homes: sessionHomes, messagesPath: `${new URL(publicUrl).pathname.replace(/\/+$/, '')}/messages` });
  const eventStreams: OpenStreams = new Set();
  const hostGuard = checkHostAndOrigin(hostOriginPolicy(publicUrl, config.http.allowedHosts, config.http.allowedOrigins));

  const resources = config.http.oauth ? protectedResources(publicUrl, config.http.oauth) : undefined;
  const oauth: OAuthGate | undefined =
    config.http.oauth && resources ? { tokens: accessTokenVerifier(config.http.oauth, resources.resources), challengeFor: resources.challengeFor } : undefined;
  const ready = available(state);
  const logged = requestLog(log);
  const signedIn = requireCaller(keys, oauth);
  const jsonBody = readJsonBody(maxBodyBytes);
  const cors = mcpCors();

  // Without a public URL or host list, REST clients may reach the server by any name (an
  // address on the lab network), as before; MCP clients are held to loopback and the public URL.
  const restHostGuard = config.http.publicUrl !== undefined || config.http.allowedHosts !== undefined;
  const fail = (req: NodeRequest, res: ServerResponse, err: unknown) => sendError(req, res, err, log);
  // The busiest routes, ahead of express (front-routes.ts), each with the checks it would meet
  // in the app below, in the same order.
  const frontRoutes = [
    frontRoute({
      path: '/mcp',
      methods: ['POST', 'GET', 'DELETE'],
      otherMethods: 'refuse',
      checks: [ready, logged, hostGuard, cors, signedIn, jsonBody],
      handle: mcpSessions.handle,
      refuse: noRoute,
      fail,
    }),
    frontRoute({
      path: '/jobs/submit',
      methods: ['POST'],
      otherMethods: 'express',
      checks: [ready, logged, ...(restHostGuard ? [hostGuard] : []), signedIn, jsonBody],
      handle: submitJob(jobs),
      refuse: noRoute,
      fail,
    }),
  ];

  const app = express();
  app.disable('x-powered-by');
  app.use(ready);
  app.use(logged);

  // Open to any Host: load balancers and probes call /health by an address of their own, and a
  // signed link carries its permission (and cannot be forged by a rebound page) whatever name it was fetched by.
  app.get('/health', async (_req, res) => {
    const report = await jobs().health();
    res.status(report.ok ? 200 : 503).json(report);
  });
  app.use(fileRoutes(jobs, log));
  // Read before sign-in, by any Host: the OAuth metadata holds nothing but where to sign in.
  if (resources) app.use(resources.routes);

  // Before the Host check: Prometheus scrapes each replica by its address (metrics-route.ts says why that is safe).
  app.use(metricsRoute({ jobs, keys, oauth, scrapeToken: config.http.metricsToken }));

  // (/mcp itself never reaches the app; a path under it does, and is refused as /mcp would be.)
  if (restHostGuard) app.use(hostGuard);
  else app.use(['/mcp', '/sse', '/messages'], hostGuard);
  // Browser clients: past the Origin check, so only allowed origins get CORS headers; the preflight needs no key.
  app.use('/mcp', cors);
  // Before requireCaller: a browser signs in there with a form and a cookie, not a header.
  app.use(ADMIN_DASHBOARD_PATH, adminDashboard({ keys, oauth, runtime: () => state.runtime!, publicUrl, log }));
  app.use(signedIn);
  app.use(jsonBody);
  app.use(restRoutes(jobs));
  app.use(workerRoutes(jobs));
  app.get('/jobs/:id/events', jobEventsRoute(jobs, eventStreams, log));
  app.get('/openapi.json', (_req, res) => void res.json(openApiDocument(publicUrl)));
  app.get('/sse', sseSessions.connect);
  app.post('/messages', sseSessions.message);

  app.use((req, _res, next) => next(noRoute(req)));
  app.use(errorHandler(log));
  return { app, frontRoutes, listener: withFrontRoutes(frontRoutes, app), mcpSessions, sseSessions, sessions, eventStreams };
}

// One process serving alone: nobody routes by session.
const NO_HOMES: SessionHomeReports = { opened: () => undefined, closed: () => undefined };

function noRoute(req: NodeRequest): HttpError {
  return new HttpError('not_found', `no route ${req.method} ${pathOf(req)}; GET /openapi.json lists the routes`);
}

// 503 while starting (the port is open before Redis and storage are) and once shutdown began.
function available(state: AppState): NodeHandler {
  return (_req, res, next) => {
    if (state.stopping) {
      res.setHeader('Connection', 'close');
      return next(new HttpError('infrastructure', 'the server is shutting down'));
    }
    if (!state.runtime) return next(serverStarting());
    next();
  };
}

/** The answer to a request that comes before the runtime is up (start-http-server.ts sends it before the app exists). */
export function serverStarting(): HttpError {
  return new HttpError('infrastructure', 'the server is starting; try again in a moment');
}

// A debug line per request. The level is checked first: at info and above (the default) a
// listener and a timer on every request would be work for a line nobody writes (issue 11).
function requestLog(log: Logger): NodeHandler {
  return (req, res, next) => {
    if (!log.isLevelEnabled('debug')) return next();
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.debug({ method: req.method, path: pathOf(req), status: res.statusCode, ms: Math.round(ms) }, 'http request');
    });
    next();
  };
}
