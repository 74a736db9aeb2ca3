// BullMQ renews a running job's lock from the worker's event loop. A loop blocked for longer than
// the lock duration (a summary of a large output parsed synchronously, a CPU-heavy step, a long
// garbage collection) lets the lock lapse, and another worker's stalled check then hands the job
// to a second run, counting a stall against it. So the locks of running jobs are also renewed
// from a thread of their own, whose event loop nothing in a job can block: a busy worker keeps
// its jobs. A frozen or killed process (SIGSTOP, SIGKILL) stops the thread with it, so a dead
// worker's jobs still go back to the queue after the lock duration. And a main loop that has not
// run for longer than a job may take at all (the hard time limit) is hung, not busy: the thread
// then stops renewing, so even a wedged worker gives its jobs up.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../src/logger.js';
import type { RedisTarget } from '../src/redis/redis-target.js';

export interface LockKeeperOptions {
  target: RedisTarget;
  prefix: string;
  lockDurationMs: number;
  /** A main loop silent for longer than this is hung: its jobs' locks are left to lapse. */
  maxBlockedMs: number;
  log: Logger;
}

export interface LockKeeper {
  /** Renews the job's lock (token: BullMQ's, given to the processor) until the returned function is called. */
  hold(queue: string, jobId: string, token: string): () => void;
  close(): Promise<void>;
}

type Message = { type: 'hold' | 'release'; queue: string; jobId: string; token: string };

// The thread's whole program, run as CommonJS source (eval): it must stand alone, taking what it
// needs from workerData, so it runs the same from the built files and from the TypeScript sources.
// `require` comes in as a parameter, the eval's own passed by the caller's source text: a free
// `require` in this function would be rewritten by the bundler (scripts/bundle-cli.ts) into a
// helper of the bundle's, which the thread does not have.
function lockKeeperProgram(require: NodeJS.Require): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { Queue, Job } = require(workerData.bullmq as string) as typeof import('bullmq');
  const { Redis } = require(workerData.ioredis as string) as typeof import('ioredis');
  const { target, prefix, lockDurationMs, maxBlockedMs, heartbeat } = workerData as {
    target: { kind: 'url'; url: string } | { kind: 'socket'; path: string };
    prefix: string;
    lockDurationMs: number;
    maxBlockedMs: number;
    heartbeat: SharedArrayBuffer;
  };
  const beat = new BigInt64Array(heartbeat);
  // Fail fast while Redis is away: the next round tries again, and BullMQ's own renewal too.
  const options = { maxRetriesPerRequest: 1, connectionName: 'bio-mcp-queue:lock-keeper' };
  const connection = target.kind === 'url' ? new Redis(target.url, options) : new Redis({ ...options, path: target.path });
  connection.on('error', () => undefined);
  const queues = new Map<string, InstanceType<typeof Queue>>();
  const held = new Map<string, { queue: string; jobId: string; token: string }>();
  const queueOf = (name: string) => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection, prefix });
      queue.on('error', () => undefined);
      queues.set(name, queue);
    }
    return queue;
  };
  let renewing = false;
  const renew = async () => {
    if (renewing) return;
    if (Date.now() - Number(Atomics.load(beat, 0)) > maxBlockedMs) return;
    renewing = true;
    try {
      for (const [key, h] of held) {
        const job = new Job(queueOf(h.queue), 'lock', {}, {}, h.jobId);
        // 0: the lock is no longer this token's (the job ended, or was taken over); stop holding it.
        const extended = await job.extendLock(h.token, lockDurationMs).catch(() => undefined);
        if (extended === 0 && held.get(key)?.token === h.token) held.delete(key);
      }
    } finally {
      renewing = false;
    }
  };
  const timer = setInterval(() => void renew(), Math.max(100, Math.floor(lockDurationMs / 4)));
  parentPort!.on('message', (m: { type: string; queue: string; jobId: string; token: string }) => {
    const key = `${m.queue}\u0000${m.jobId}`;
    if (m.type === 'hold') held.set(key, { queue: m.queue, jobId: m.jobId, token: m.token });
    else if (m.type === 'release' && held.get(key)?.token === m.token) held.delete(key);
    else if (m.type === 'close') {
      clearInterval(timer);
      held.clear();
      void Promise.allSettled([...queues.values()].map((q) => q.close()))
        .then(() => connection.quit())
        .catch(() => connection.disconnect())
        .finally(() => process.exit(0));
    }
  });
}

export function startLockKeeper(options: LockKeeperOptions): LockKeeper {
  const require = createRequire(import.meta.url);
  const heartbeat = new SharedArrayBuffer(8);
  const beat = new BigInt64Array(heartbeat);
  Atomics.store(beat, 0, BigInt(Date.now()));
  // The main loop's pulse: the thread renews only while it is recent.
  const pulse = setInterval(() => Atomics.store(beat, 0, BigInt(Date.now())), 1000);
  pulse.unref();
  const thread = new Worker(`(${lockKeeperProgram.toString()})(require)`, {
    eval: true,
    workerData: {
      bullmq: require.resolve('bullmq'),
      ioredis: require.resolve('ioredis'),
      target: options.target,
      prefix: options.prefix,
      lockDurationMs: options.lockDurationMs,
      maxBlockedMs: options.maxBlockedMs,
      heartbeat,
    },
  });
  // A worker process must never stay up for this thread alone.
  thread.unref();
  let closing = false;
  thread.on('error', (err) => options.log.error({ err }, 'the lock-keeping thread failed: a blocked event loop may now lose a job its lock'));
  thread.on('exit', (code) => {
    if (!closing) options.log.warn({ code }, 'the lock-keeping thread exited: a blocked event loop may now lose a job its lock');
  });
  const post = (message: Message) => {
    if (!closing) thread.postMessage(message);
  };
  return {
    hold(queue, jobId, token) {
      post({ type: 'hold', queue, jobId, token });
      return () => post({ type: 'release', queue, jobId, token });
    },
    close() {
      if (closing) return Promise.resolve();
      closing = true;
      clearInterval(pulse);
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      thread.postMessage({ type: 'close' });
      // Bounded like every Redis close: a thread that cannot QUIT is ended.
      const timer = setTimeout(() => void thread.terminate(), 2000);
      return exited.finally(() => clearTimeout(timer));
    },
  };
}
