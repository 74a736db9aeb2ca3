// Finished jobs and their files are kept for the retention time, then removed: BullMQ's
// removeOnComplete/removeOnFail act only when another job finishes, so sweep on a timer too.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ResultStore } from '../storage/result-store.js';
import type { JobQueues } from './job-queues.js';

const EVERY_MS = 60 * 60 * 1000;

export async function sweepOnce(config: Config, queues: JobQueues, store: ResultStore): Promise<{ jobs: number; fileSets: number }> {
  let jobs = 0;
  for (const queue of queues.values()) {
    for (const state of ['completed', 'failed'] as const) {
      jobs += (await queue.clean(config.retentionMs, 10_000, state)).length;
    }
  }
  const fileSets = await store.sweep(config.retentionMs);
  return { jobs, fileSets };
}

export function startRetentionSweep(config: Config, queues: JobQueues, store: ResultStore, log: Logger): { stop(): void } {
  const run = () =>
    sweepOnce(config, queues, store).then(
      (removed) => log.debug(removed, 'retention sweep'),
      (err: unknown) => log.warn({ err }, 'retention sweep failed'),
    );
  const first = setTimeout(run, 5_000);
  const timer = setInterval(run, EVERY_MS);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
