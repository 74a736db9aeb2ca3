// BullMQ records every finished attempt on each queue's event stream (<prefix>:<queue>:events):
// one `completed` entry per job moved to completed. Read from the start as the run goes (the
// stream is trimmed at about 10,000 entries, so reading late could miss some) and across the
// Redis restart, it says how many times each job was completed: more than once is a duplicate.
import { Redis } from 'ioredis';

export interface CompletionTally {
  /** jobId → completed entries seen. */
  completed: Map<string, number>;
  /** Entries read, and entries the streams say were ever added: equal means none was missed. */
  read: number;
  added: number;
}

export interface CompletionTail {
  /** Reads what is left, stops, and returns the tally. */
  stop(): Promise<CompletionTally>;
}

export function tailCompletions(redisUrl: string, prefix: string, queues: readonly string[]): CompletionTail {
  // Reconnects on its own through the Redis restart; a command sent meanwhile waits for it.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy: () => 200 });
  redis.on('error', () => undefined); // connection errors while Redis restarts: retried above
  const keys = queues.map((q) => `${prefix}:${q}:events`);
  const lastIds = keys.map(() => '0');
  const completed = new Map<string, number>();
  let read = 0;
  let stopping = false;

  const readOnce = async (blockMs: number): Promise<number> => {
    const reply = (await redis.xread('COUNT', 2000, 'BLOCK', blockMs, 'STREAMS', ...keys, ...lastIds)) as [string, [string, string[]][]][] | null;
    let got = 0;
    for (const [key, entries] of reply ?? []) {
      const k = keys.indexOf(key);
      for (const [id, fields] of entries) {
        lastIds[k] = id;
        got += 1;
        const field = (name: string) => fields[fields.indexOf(name) + 1];
        if (field('event') === 'completed') {
          const jobId = field('jobId')!;
          completed.set(jobId, (completed.get(jobId) ?? 0) + 1);
        }
      }
    }
    read += got;
    return got;
  };

  const loop = (async () => {
    while (!stopping) {
      try {
        await readOnce(500);
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      await loop;
      while ((await readOnce(1)) > 0);
      let added = 0;
      for (const key of keys) {
        // XINFO STREAM's entries-added (Redis 7) counts every entry ever added, trimmed or not.
        const info = (await redis.xinfo('STREAM', key).catch(() => [])) as unknown[];
        const i = info.indexOf('entries-added');
        added += i >= 0 ? Number(info[i + 1]) : 0;
      }
      await redis.quit();
      return { completed, read, added };
    },
  };
}
