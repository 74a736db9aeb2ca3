// The whole `serve` stack in one call, for the command and for tests alike: the API keys, the
// port (opened first, so port 0 works and links can name the real port), then the runtime, then
// the app starts answering. close() stops taking requests, ends MCP sessions and event streams,
// then closes the runtime.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import { mapError } from '../error-mapping.js';
import type { Logger } from '../logger.js';
import { startRuntime, type Runtime } from '../runtime.js';
import { loadApiKeys, MIN_KEY_LENGTH, requireSignIn } from './api-keys.js';
import { createHttpApp, serverStarting, type AppState, type HttpApp } from './create-app.js';
import { takeHandedConnections } from './handed-connections.js';
import { isMcpPath, jsonRpcErrorBody, restErrorBody } from './http-errors.js';
import { urlHost } from './listen-url.js';
import type { SessionHomeReports } from './serve-process-messages.js';

export interface StartHttpServerOptions {
  host: string;
  port: number;
  embeddedWorker: boolean;
  /**
   * A serving process of `serve --processes N`: the primary listens at `url` and hands this
   * process its connections (handed-connections.ts); host and port are then the primary's.
   */
  handed?: {
    url: string;
    sessionHomes: SessionHomeReports;
    /** Whether this process logs the warnings about the configuration (one of the N does). */
    warnings: boolean;
    /** Called once connections are taken (answered 503 until the runtime has started). */
    accepting: () => void;
  };
}

export interface RunningHttpServer {
  /** Where this process listens, e.g. http://127.0.0.1:8000. */
  url: string;
  /** Where clients reach it (BIO_QUEUE_PUBLIC_URL, else url): links and Host checks use it. */
  publicUrl: string;
  port: number;
  runtime: Runtime;
  app: HttpApp;
  close(): Promise<void>;
}

/** In-flight requests get this long to finish at shutdown before their connections are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

// How long an idle keep-alive connection stays open. Node's 5 s is about what clients keep one
// (undici: 4 s, or the server's Keep-Alive hint less a margin), so a client whose timers run late
// on a loaded machine sends on a socket the server is closing that moment: ECONNRESET and
// UND_ERR_SOCKET in bench/http-load.ts (issue 11). Longer than clients and load balancers keep
// theirs (a minute, typically), the client always lets go first. The headers timeout stays above
// it, the usual advice (Node versions have timed a reused connection's next headers from the
// previous answer).
const KEEP_ALIVE_MS = 65_000;

export async function startHttpServer(config: Config, log: Logger, options: StartHttpServerOptions): Promise<RunningHttpServer> {
  const { ring, shortKeys } = await loadApiKeys(config);
  requireSignIn(config, ring);
  if (config.http.oauth && config.http.publicUrl === undefined && options.handed?.warnings !== false) {
    log.warn({ issuer: config.http.oauth.issuer }, 'BIO_QUEUE_OAUTH_ISSUER is set without BIO_QUEUE_PUBLIC_URL: access tokens must then be for this server\'s listening address (http://<host>:<port>/mcp), which remote clients do not use; set BIO_QUEUE_PUBLIC_URL');
  }
  if (options.handed?.warnings !== false) for (const name of shortKeys) log.warn({ key: name }, `the API key of "${name}" is shorter than ${MIN_KEY_LENGTH} characters and could be guessed; bio-mcp-queue add-key makes strong ones`);

  const state: AppState = { runtime: undefined, stopping: false };
  const starting = mapError(serverStarting());
  let handler: http.RequestListener = (req, res) => {
    const body = isMcpPath((req.url ?? '').split('?')[0]!) ? jsonRpcErrorBody(starting, undefined, undefined) : restErrorBody(starting);
    res.writeHead(starting.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  // Requests not yet answered: shutdown lets these finish, then cuts every connection (idle
  // keep-alive ones, and ones a client opened in advance without a request yet).
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    handler(req, res);
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  let stopTakingHanded: (() => void) | undefined;
  if (options.handed) {
    stopTakingHanded = takeHandedConnections(server);
    options.handed.accepting();
  } else {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }
  const port = options.handed ? Number(new URL(options.handed.url).port || 80) : (server.address() as AddressInfo).port;
  const url = options.handed?.url ?? `http://${urlHost(options.host)}:${port}`;
  const publicUrl = config.http.publicUrl ?? url;
  const app = createHttpApp({ config, log, keys: ring, publicUrl, state, ...(options.handed ? { sessionHomes: options.handed.sessionHomes } : {}) });
  handler = app.listener;

  let runtime: Runtime;
  try {
    runtime = await startRuntime(config, log, { embeddedWorker: options.embeddedWorker, publicUrl });
  } catch (err) {
    stopTakingHanded?.();
    const closed = closeServer(server);
    server.closeAllConnections();
    app.mcpSessions.stop();
    await Promise.all([closed, app.sessions.closeAll()]);
    throw err;
  }
  state.runtime = runtime;

  let closing: Promise<void> | undefined;
  return {
    url,
    publicUrl,
    port,
    runtime,
    app,
    close() {
      closing ??= (async () => {
        state.stopping = true;
        stopTakingHanded?.();
        const closed = closeServer(server);
        for (const stream of app.eventStreams) stream.abort();
        app.mcpSessions.stop();
        await app.sessions.closeAll();
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            drained = resolve;
            setTimeout(resolve, SHUTDOWN_GRACE_MS).unref();
          });
        }
        server.closeAllConnections();
        await closed;
        await runtime.close();
      })();
      return closing;
    },
  };
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
