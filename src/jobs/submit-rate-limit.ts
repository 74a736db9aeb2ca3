// Submissions per API key per minute, counted in Redis so every server process shares the count.
// A fixed one-minute window: simple, and a burst of at most twice the limit across a boundary
// is harmless for a job queue.
import type { Redis } from 'ioredis';
import { BioQueueError } from '../errors.js';
import { LuaScript } from '../redis/lua-script.js';

const WINDOW_MS = 60_000;

// INCR and PEXPIRE in one atomic script rather than a MULTI: ioredis builds each MULTI as a
// Pipeline that copies every Lua command BullMQ defined on the connection, which cost more CPU
// than the submission's own work under load (bench/http-load.ts profile, issue 11). Sent by its
// hash, as every per-request script is (lua-script.ts).
const TAKE = new LuaScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`);

export async function takeSubmitToken(redis: Redis, prefix: string, owner: string, perMinute: number, nowMs = Date.now()): Promise<void> {
  const window = Math.floor(nowMs / WINDOW_MS);
  const key = `${prefix}:bioq:rate:${owner}:${window}`;
  const count = (await TAKE.run(redis, [key], [String(WINDOW_MS * 2)])) as number;
  if (count > perMinute) {
    const retryAfter = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - nowMs) / 1000));
    throw new BioQueueError(
      'rate_limited',
      `"${owner}" has made more than ${perMinute} submissions this minute (BIO_QUEUE_SUBMIT_RATE_LIMIT); try again in ${retryAfter} s`,
      { retry_after_seconds: retryAfter },
    );
  }
}
