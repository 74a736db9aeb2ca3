// One serving process of `serve --processes N` (serve-processes.ts starts them): the whole
// `serve` app and runtime, fed connections by the primary instead of listening. It tells the
// primary when it takes connections, when it is ready, and which MCP sessions it holds; it
// stops on SIGTERM (from the primary) or when the primary is gone.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { reportToPrimary, sessionHomesOfPrimary } from '../http/handed-connections.js';
import { startHttpServer } from '../http/start-http-server.js';
import type { ServingProcessIdentity } from './serving-process-identity.js';
import { stopOnSignals, type BeginStop } from './stop-on-signals.js';

export async function runServingProcess(config: Config, parentLog: Logger, identity: ServingProcessIdentity): Promise<void> {
  const log = parentLog.child({ serveProcess: identity.index });
  // The primary gone: stop in order once started. While starting, exit at once (a job the
  // embedded worker took meanwhile is stalled and retried, as after any crash).
  let beginStop: BeginStop | undefined;
  const primaryGone = () => (beginStop ? beginStop('the serve primary is gone') : process.exit(1));
  process.on('disconnect', primaryGone);
  // Gone before this listened: its 'disconnect' has passed unheard.
  if (!process.connected) primaryGone();
  const server = await startHttpServer(config, log, {
    host: '',
    port: 0,
    embeddedWorker: identity.embeddedWorker,
    handed: { url: identity.url, sessionHomes: sessionHomesOfPrimary(), warnings: identity.index === 0, accepting: () => reportToPrimary({ bioq: 'accepting' }) },
  });
  beginStop = stopOnSignals(log, { stopping: 'serving process stopping', secondSignal: '' }, () => server.close(), config);
  const { runtime } = server;
  reportToPrimary({ bioq: 'ready', details: { redis: runtime.target.kind, storage: runtime.store.kind, worker: runtime.worker ? runtime.worker.queues : 'none' } });
}
