// `bio-mcp-queue serve`: MCP over Streamable HTTP and legacy SSE, the REST API, /health and the
// signed /files links, for a lab whose assistants connect over the network. Logs go to stderr.
// SIGTERM or SIGINT: stop taking requests, end sessions, close the runtime, exit 0.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { SERVING_PROCESS_ENV, servingProcessIdentity } from './serving-process-identity.js';
import { stopOnSignals } from './stop-on-signals.js';

// Each way of serving loads what it runs: the primary of --processes N never runs the HTTP stack.

export async function runServe(config: Config, log: Logger, flags: { host?: string; port?: number; processes?: number }): Promise<void> {
  const identity = servingProcessIdentity(process.env);
  if (identity) {
    // Not for the processes this one starts (the worker's tools): none of them is a serving process.
    delete process.env[SERVING_PROCESS_ENV];
    const { runServingProcess } = await import('./serving-process.js');
    return runServingProcess(config, log, identity);
  }
  const host = flags.host ?? config.http.host;
  const processes = flags.processes ?? config.http.processes;
  if (processes > 1) {
    const { runServeProcesses } = await import('./serve-processes.js');
    const { publicUrl } = await runServeProcesses(config, log, { host, port: flags.port ?? config.http.port, processes });
    return warnOnWildcard(log, config, host, publicUrl);
  }
  const { startHttpServer } = await import('../http/start-http-server.js');
  const server = await startHttpServer(config, log, { host, port: flags.port ?? config.http.port, embeddedWorker: config.embeddedWorker });
  warnOnWildcard(log, config, host, server.publicUrl);
  stopOnSignals(log, { stopping: 'HTTP server stopping', secondSignal: '' }, () => server.close(), config);
  log.info(
    { url: server.url, publicUrl: server.publicUrl, redis: server.runtime.target.kind, storage: server.runtime.store.kind, worker: server.runtime.worker ? server.runtime.worker.queues : 'none' },
    'serving MCP (/mcp, /sse), REST and /health over HTTP',
  );
}

function warnOnWildcard(log: Logger, config: Config, host: string, publicUrl: string): void {
  if (config.http.publicUrl === undefined && (host === '0.0.0.0' || host === '::')) {
    log.warn({ publicUrl }, 'listening on every interface, but links name the loopback address; set BIO_QUEUE_PUBLIC_URL to the address clients use');
  }
}
