// A Lua script sent by its SHA1 (EVALSHA), its text only when Redis does not have it yet
// (after a restart or SCRIPT FLUSH). `redis.eval` sends the whole text on every call, and Redis
// hashes it every time: on the per-request paths (MCP session bookkeeping, a status read) that is
// bytes and work for nothing (bench/http-load.ts, issue 11). Not ioredis's defineCommand: each
// command defined on a connection is copied onto every Pipeline built on it, a cost seen under
// load, and the server's connection already carries BullMQ's dozens.
import { createHash } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';

export class LuaScript {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /** The script's answer; the text is sent once more only if Redis answers NOSCRIPT. */
  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }

  /**
   * Queues the script on a pipeline by its text: a pipeline's EVALSHA that misses cannot be
   * retried alone, and a pipeline is the batched, rare path (the keep-alive).
   */
  queue(batch: ChainableCommander, keys: readonly string[], args: readonly (string | number)[]): void {
    batch.eval(this.lua, keys.length, ...keys, ...args);
  }
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}
