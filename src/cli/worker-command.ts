// `bio-mcp-queue worker`: runs jobs from Redis in its own process, beside any number of others.
// SIGTERM drains: no new jobs; running ones finish, or go back to the queue when time is up.
// POST /workers/{id}/shutdown starts the same drain from afar, and the process exits 0 alike.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { resolveRedisTarget } from '../redis/redis-target.js';
import { openResultStore } from '../storage/open-result-store.js';
import { startWorker, type RunningWorker } from '../../worker/start-worker.js';
import { stopOnSignals } from './stop-on-signals.js';

export async function runWorkerCommand(config: Config, log: Logger, flags: { queues?: string[]; concurrency?: number }): Promise<void> {
  const store = await openResultStore(config, log);
  const target = await resolveRedisTarget(config, log);
  // Signals are taken before the worker starts: its queues take jobs before startWorker returns,
  // and a SIGTERM in between must drain them too, not kill the process outright.
  let started: Promise<RunningWorker> | undefined;
  const stop = stopOnSignals(log, { stopping: 'draining', secondSignal: '; running jobs will be picked up again as stalled' }, async () => (await started)?.close(), config);
  started = startWorker({
    config,
    target,
    store,
    log,
    ...(flags.queues ? { queues: flags.queues } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    onShutdownRequest: () => stop('shutdown requested through the API'),
  });
  await started;
}
