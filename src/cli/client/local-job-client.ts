// The terminal commands on this machine's queue: the Redis of BIO_QUEUE_REDIS_URL, or the
// private redis-server the stdio server uses (started if need be), through JobService itself as
// the stdio user ("local"), so `jobs` lists what Claude Desktop submitted too. No worker runs
// here unless a waiting `submit --wait` finds none serving its queue (ensureWorker).
import path from 'node:path';
import type { Config } from '../../config.js';
import { BioQueueError } from '../../errors.js';
import { LOCAL_CALLER } from '../../jobs/caller.js';
import type { Logger } from '../../logger.js';
import { describeRedisTarget } from '../../redis/redis-target.js';
import { startRuntime } from '../../runtime.js';
import { startWorker, type RunningWorker } from '../../../worker/start-worker.js';
import { PIPELINE_QUEUE } from '../../../tools/define-pipeline.js';
import { pingUrl } from '../doctor.js';
import type { JobClient } from './job-client.js';

export async function localJobClient(config: Config, log: Logger): Promise<JobClient> {
  // A configured Redis that does not answer fails the command at once (exit 4) rather than
  // leaving it waiting for a reconnect, as a long-running server would.
  if (config.redisUrl !== undefined) {
    const answer = await pingUrl(config.redisUrl);
    if (!answer.ok) throw new BioQueueError('infrastructure', `cannot reach Redis at ${describeRedisTarget({ kind: 'url', url: config.redisUrl })} (BIO_QUEUE_REDIS_URL): ${answer.error}`);
  }
  const runtime = await startRuntime(config, log, { embeddedWorker: false });
  const { jobs } = runtime;
  const caller = LOCAL_CALLER;
  let worker: RunningWorker | undefined;
  return {
    where: `the local Redis (${describeRedisTarget(runtime.target)})`,
    submit: (tool, params, { priority, idempotencyKey }) => jobs.submit(tool, params, { priority, caller, idempotencyKey }),
    status: (jobId) => jobs.status(jobId, caller),
    result: (jobId) => jobs.result(jobId, caller),
    cancel: (jobId) => jobs.cancel(jobId, caller),
    list: (options) => jobs.list(options, caller),
    stats: () => jobs.stats(),
    async follow(jobId, onChange, signal) {
      await jobs.watch(jobId, caller, onChange, signal);
      return jobs.status(jobId, caller);
    },
    // Read in place by the worker, so it must lie inside BIO_QUEUE_INPUT_ROOTS, as for stdio.
    localInput: async (file) => path.resolve(file),
    async ensureWorker(queue) {
      if (worker) return 'started';
      const serving = (await jobs.stats()).find((q) => q.queue === queue)?.workers ?? 0;
      if (serving > 0) return 'present';
      if (!config.embeddedWorker) return 'none';
      // Only the job's own queue, so the wait does not take on other queues' jobs; a pipeline
      // or split search needs its steps' queues too.
      worker = await startWorker({ config, target: runtime.target, store: runtime.store, log, ...(queue === PIPELINE_QUEUE ? {} : { queues: [queue] }) });
      return 'started';
    },
    async close() {
      await worker?.close();
      await runtime.close();
    },
  };
}
