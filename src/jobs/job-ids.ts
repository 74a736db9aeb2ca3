// Job ids name their queue ("blast-k3j9x2m1q8zt"), so a status call finds the job in one
// Redis round trip without an index lookup, on any server that shares the Redis.
import { createHash, randomFillSync } from 'node:crypto';
import { JOB_QUEUE_NAMES } from '../../tools/index.js';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const JOB_ID = /^([a-z][a-z0-9]*)-([0-9a-z]{16})$/;

// Random bytes drawn from the system's CSPRNG a batch at a time, as Node's own randomUUID does:
// a randomBytes call of its own for every id (a synchronous OpenSSL call and a new Buffer) was
// ~2.5 % of the server's CPU under a load of MCP submissions (bench/http-load.ts, issue 11).
const POOL_IDS = 256;
const ID_BYTES = 16;
const pool = Buffer.alloc(POOL_IDS * ID_BYTES);
let poolOffset = pool.length;

export function newJobId(queue: string): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let suffix = '';
  for (let i = poolOffset; i < poolOffset + ID_BYTES; i++) suffix += ALPHABET[pool[i]! % 32];
  poolOffset += ID_BYTES;
  return `${queue}-${suffix}`;
}

/**
 * An id of `queue` that is always the same for the same seed: a split search's parts, so that a
 * second attempt at adding them adds the same jobs (BullMQ ignores an id it already holds).
 */
export function derivedJobId(queue: string, seed: string): string {
  const bytes = createHash('sha256').update(seed).digest();
  let suffix = '';
  for (const b of bytes.subarray(0, 16)) suffix += ALPHABET[b % 32];
  return `${queue}-${suffix}`;
}

/** The queue a job id belongs to, or undefined for anything that is not one of our ids. */
export function queueOfJobId(jobId: string): string | undefined {
  const match = JOB_ID.exec(jobId);
  if (!match) return undefined;
  const queue = match[1]!;
  return JOB_QUEUE_NAMES.includes(queue) ? queue : undefined;
}
