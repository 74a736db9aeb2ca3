// Keys that a registry (a sorted set naming them) now keeps track of, but that older versions
// wrote without one: found once by a SCAN of the keyspace, then never scanned for again. A marker
// key says the SCAN has been done to its end; two servers starting at once may both scan, which
// only adds the same members twice.
import type { Redis } from 'ioredis';

export interface Adoption {
  /** SCAN MATCH pattern of the keys older versions wrote. */
  pattern: string;
  /** The sorted set that names them from now on. */
  registry: string;
  /** Set once the SCAN has reached its end. */
  marker: string;
  /** The member and score a found key gets in the registry, from its name and its PTTL (-1: none). */
  entry(key: string, pttlMs: number): { member: string; score: number };
}

const SCAN_COUNT = 1_000;

/** Adds every key the pattern matches to the registry, unless a run before did; returns how many it added. */
export async function adoptKeysOnce(redis: Redis, adoption: Adoption): Promise<number> {
  if ((await redis.exists(adoption.marker)) === 1) return 0;
  let adopted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', adoption.pattern, 'COUNT', SCAN_COUNT);
    cursor = next;
    if (keys.length === 0) continue;
    const ttls = redis.pipeline();
    for (const key of keys) ttls.pttl(key);
    const replies = (await ttls.exec())!;
    const add = redis.pipeline();
    keys.forEach((key, i) => {
      const pttl = Number(replies[i]![1]);
      if (pttl === -2) return; // gone since the SCAN saw it
      const { member, score } = adoption.entry(key, pttl);
      add.zadd(adoption.registry, score, member);
      adopted += 1;
    });
    await add.exec();
  } while (cursor !== '0');
  await redis.set(adoption.marker, new Date().toISOString());
  return adopted;
}
