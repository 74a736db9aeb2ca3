// `bio-mcp-queue serve`: MCP over Streamable HTTP and legacy SSE, the REST API, /health and the
// signed /files links, for a lab whose assistants connect over the network. Logs go to stderr.
// SIGTERM or SIGINT: stop taking requests, end sessions, close the runtime, exit 0.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startHttpServer } from '../http/start-http-server.js';
import { stopOnSignals } from './stop-on-signals.js';

export async function runServe(config: Config, log: Logger, flags: { host?: string; port?: number }): Promise<void> {
  const host = flags.host ?? config.http.host;
  const server = await startHttpServer(config, log, { host, port: flags.port ?? config.http.port, embeddedWorker: config.embeddedWorker });
  if (config.http.publicUrl === undefined && (host === '0.0.0.0' || host === '::')) {
    log.warn({ publicUrl: server.publicUrl }, 'listening on every interface, but links name the loopback address; set BIO_QUEUE_PUBLIC_URL to the address clients use');
  }
  stopOnSignals(log, { stopping: 'HTTP server stopping', secondSignal: '' }, () => server.close(), config);
  log.info(
    { url: server.url, publicUrl: server.publicUrl, redis: server.runtime.target.kind, storage: server.runtime.store.kind, worker: server.runtime.worker ? server.runtime.worker.queues : 'none' },
    'serving MCP (/mcp, /sse), REST and /health over HTTP',
  );
}
