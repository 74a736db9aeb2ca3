// What any `serve` replica needs to take over a Streamable HTTP session another one opened: its
// owner, what the client said in initialize (protocol version, client info and capabilities),
// the log level it chose, and when a request last touched it. One Redis hash per session under
// the key prefix, expiring after the idle time; requests on any replica push the expiry back. A
// session exists while its record does: DELETE removes it, so every replica answers 404 from
// then on. Every change but the expiry is published on one channel (the session's id), so
// replicas holding a copy hear of it at once (mcp-session-changes.ts).
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ClientCapabilitiesSchema, ImplementationSchema, LoggingLevelSchema, type LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logger.js';
import { LuaScript } from '../redis/lua-script.js';
import { SessionChangeFeed } from './mcp-session-changes.js';

const SessionInitSchema = z.object({
  protocolVersion: z.string(),
  clientInfo: ImplementationSchema,
  capabilities: ClientCapabilitiesSchema,
});

/** What the client sent in its initialize request. */
export type SessionInit = z.infer<typeof SessionInitSchema>;

export interface McpSessionRecord {
  owner: string;
  init: SessionInit;
  logLevel: LoggingLevel | undefined;
  /** Epoch ms of the last request start or end on any replica. */
  lastActive: number;
}

// Marks a request at ARGV[1] (lastActive never goes back) and pushes the expiry back; 0 for a
// session that is gone. The touch variant answers the whole record, and only to its owner
// (ARGV[3]): another key's request must not keep someone's session alive.
const MARK = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastActive')) or 0
if tonumber(ARGV[1]) > last then redis.call('HSET', KEYS[1], 'lastActive', ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`);
const TOUCH = new LuaScript(`
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[3] then return nil end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastActive')) or 0
if tonumber(ARGV[1]) > last then redis.call('HSET', KEYS[1], 'lastActive', ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('HGETALL', KEYS[1])`);

// The changes replicas must hear of: published (the channel, then the session id, as ARGVs) in
// the script that makes the change, so no change goes unannounced (a process stopping between two
// commands, say).
const REMOVE = new LuaScript(`
local removed = redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return removed`);
// Removes the record unless a request came after `lastActive` (on another replica, say).
const REMOVE_IF_IDLE = new LuaScript(`
local last = tonumber(redis.call('HGET', KEYS[1], 'lastActive'))
if last ~= nil and last <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0`);
// HSET on a record another replica just deleted would bring back a hash without an owner: only if it exists.
const SET_LOG_LEVEL = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'logLevel', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`);

export class McpSessionRecords {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** How long a record outlives its last request (BIO_QUEUE_MCP_SESSION_IDLE_SECONDS). */
    private readonly idleMs: number,
  ) {}

  private key(sessionId: string): string {
    return `${this.prefix}:bioq:mcp-session:${sessionId}`;
  }

  // Where changes to any session record are announced (mcp-session-changes.ts).
  private get channel(): string {
    return `${this.prefix}:bioq:mcp-session-changed`;
  }

  /** Calls onChange with the id of every session record changed from now on (while the feed is live). */
  watch(onChange: (sessionId: string) => void, log: Logger): SessionChangeFeed {
    return new SessionChangeFeed(this.redis, this.channel, onChange, log);
  }

  async save(sessionId: string, owner: string, init: SessionInit, at: number): Promise<void> {
    const key = this.key(sessionId);
    await this.redis.multi().hset(key, { owner, init: JSON.stringify(init), lastActive: String(at) }).pexpire(key, this.idleMs).exec();
  }

  /** The record, its expiry pushed back; undefined for a session that was closed, has expired, or is not `owner`'s. */
  async touch(sessionId: string, owner: string, at: number): Promise<McpSessionRecord | undefined> {
    const fields = (await TOUCH.run(this.redis, [this.key(sessionId)], [String(at), String(this.idleMs), owner])) as string[] | null;
    if (fields === null) return undefined;
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) hash[fields[i]!] = fields[i + 1]!;
    return parseRecord(hash);
  }

  /**
   * Marks each session active at its time (a later time wins; an earlier one changes nothing):
   * requests that ended here since the last mark, or sessions busy here (a long call, an open
   * stream) that must not expire nor be closed as idle by a replica that saw them last earlier.
   */
  async markActive(marks: readonly { sessionId: string; at: number }[]): Promise<void> {
    if (marks.length === 0) return;
    // One session needs no Pipeline: building one copies every Lua command BullMQ defined on the
    // connection, a cost seen under load (bench/http-load.ts, issue 11).
    if (marks.length === 1) {
      await MARK.run(this.redis, [this.key(marks[0]!.sessionId)], [String(marks[0]!.at), String(this.idleMs)]);
      return;
    }
    const batch = this.redis.pipeline();
    for (const { sessionId, at } of marks) MARK.queue(batch, [this.key(sessionId)], [String(at), String(this.idleMs)]);
    await batch.exec();
  }

  async setLogLevel(sessionId: string, level: LoggingLevel): Promise<void> {
    await SET_LOG_LEVEL.run(this.redis, [this.key(sessionId)], [level, this.channel, sessionId]);
  }

  async remove(sessionId: string): Promise<void> {
    await REMOVE.run(this.redis, [this.key(sessionId)], [this.channel, sessionId]);
  }

  /** Removes the record if no replica saw a request after `lastActive`; true if it did. */
  async removeIfIdleSince(sessionId: string, lastActive: number): Promise<boolean> {
    return (await REMOVE_IF_IDLE.run(this.redis, [this.key(sessionId)], [String(lastActive), this.channel, sessionId])) === 1;
  }
}

// A record this code wrote; one that does not parse (written by another version) counts as gone.
function parseRecord(hash: Record<string, string>): McpSessionRecord | undefined {
  const init = SessionInitSchema.safeParse(safeJson(hash.init));
  const logLevel = hash.logLevel === undefined ? undefined : LoggingLevelSchema.safeParse(hash.logLevel);
  if (hash.owner === undefined || !init.success || (logLevel !== undefined && !logLevel.success)) return undefined;
  return { owner: hash.owner, init: init.data, logLevel: logLevel?.data, lastActive: Number(hash.lastActive) };
}

function safeJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
