// `bio-mcp-queue serve`: MCP over Streamable HTTP and legacy SSE, the REST API, /health and the
// signed /files links, for a lab whose assistants connect over the network. Logs go to stderr.
// SIGTERM or SIGINT: stop taking requests, end sessions, close the runtime, exit 0.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startHttpServer } from '../http/start-http-server.js';

export async function runServe(config: Config, log: Logger, flags: { host?: string; port?: number }): Promise<void> {
  const host = flags.host ?? config.http.host;
  const server = await startHttpServer(config, log, { host, port: flags.port ?? config.http.port, embeddedWorker: config.embeddedWorker });
  if (config.http.publicUrl === undefined && (host === '0.0.0.0' || host === '::')) {
    log.warn({ publicUrl: server.publicUrl }, 'listening on every interface, but links name the loopback address; set BIO_QUEUE_PUBLIC_URL to the address clients use');
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'HTTP server stopping');
    void server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'HTTP server did not close cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  log.info(
    { url: server.url, publicUrl: server.publicUrl, redis: server.runtime.target.kind, storage: server.runtime.store.kind, worker: server.runtime.worker ? server.runtime.worker.queues : 'none' },
    'serving MCP (/mcp, /sse), REST and /health over HTTP',
  );
}
