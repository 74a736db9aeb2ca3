// `bio-mcp-queue worker`: runs jobs from Redis in its own process, beside any number of others.
// SIGTERM drains: no new jobs; running ones finish, or go back to the queue when time is up.
// POST /workers/{id}/shutdown starts the same drain from afar, and the process exits 0 alike.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { resolveRedisTarget } from '../redis/redis-target.js';
import { openResultStore } from '../storage/open-result-store.js';
import { startWorker } from '../../worker/start-worker.js';
import { stopOnSignals, type BeginStop } from './stop-on-signals.js';

export async function runWorkerCommand(config: Config, log: Logger, flags: { queues?: string[]; concurrency?: number }): Promise<void> {
  const store = await openResultStore(config, log);
  const target = await resolveRedisTarget(config, log);
  let stop: BeginStop | undefined;
  const worker = await startWorker({
    config,
    target,
    store,
    log,
    ...(flags.queues ? { queues: flags.queues } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    onShutdownRequest: () => stop?.('shutdown requested through the API'),
  });
  stop = stopOnSignals(log, { stopping: 'draining', secondSignal: '; running jobs will be picked up again as stalled' }, () => worker.close(), config);
}
