// Where a submission is indexed for list_jobs, and which indexes a listing reads.
//
// Each job is in one sorted set, its owner's index of its tool (job-keys.ts toolIndex), scored by
// submission ms. An owner's list merges their tools' indexes, an admin's everyone's, a tool
// filter reads only that tool's: no index holds every job twice, and a filtered list does not
// read the other tools' jobs. The indexes older versions wrote (one per owner, one for all) are
// read as well, until retention has emptied them (Redis drops an empty set).
import type { ChainableCommander, Redis } from 'ioredis';
import { LuaScript } from '../redis/lua-script.js';
import type { JobKeys } from './job-keys.js';

/** One index a listing reads; tool: the only tool it holds, undefined for a legacy index of any. */
export interface IndexSource {
  key: string;
  tool?: string;
}

// The job's index entry, and its owner and tool in the sets a listing starts from, written by one
// script: atomic, and sent by its hash (lua-script.ts), because ioredis builds every multi() as a
// Pipeline that copies each Lua command BullMQ defined on the connection onto it, a cost paid on
// every submission (the profile of bench/http-load.ts, issue 11).
// KEYS: the tool index, the owner's tools, the owners. ARGV: submission ms, job id, tool, owner.
const INDEX = new LuaScript(`
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
return 1`);

const indexKeys = (keys: JobKeys, owner: string, tool: string) => [keys.toolIndex(owner, tool), keys.ownerTools(owner), keys.owners];

/** Indexes a submitted job for list_jobs. */
export async function indexJob(redis: Redis, keys: JobKeys, owner: string, tool: string, jobId: string, submittedMs: number): Promise<void> {
  await INDEX.run(redis, indexKeys(keys, owner, tool), [submittedMs, jobId, tool, owner]);
}

/** The same writes queued on a pipeline, for filling a queue in bulk (bench/deep-queue.ts). */
export function queueIndexJob(batch: ChainableCommander, keys: JobKeys, owner: string, tool: string, jobId: string, submittedMs: number): void {
  INDEX.queue(batch, indexKeys(keys, owner, tool), [submittedMs, jobId, tool, owner]);
}

/** The indexes an owner's list reads (an admin's: everyone's), only those of `tool` when given. */
export async function indexSources(redis: Redis, keys: JobKeys, caller: { owner: string; admin: boolean }, tool?: string): Promise<IndexSource[]> {
  const owners = caller.admin ? await redis.smembers(keys.owners) : [caller.owner];
  const tools = tool === undefined ? await Promise.all(owners.map((owner) => redis.smembers(keys.ownerTools(owner)))) : owners.map(() => [tool]);
  const sources: IndexSource[] = owners.flatMap((owner, i) => tools[i]!.map((t) => ({ key: keys.toolIndex(owner, t), tool: t })));
  // The legacy owner indexes are subsets of the legacy global one: an admin reads that alone.
  sources.push({ key: caller.admin ? keys.legacyIndex : keys.legacyOwnerIndex(caller.owner) });
  return sources;
}

/** Every index key, legacy ones included, for audits that walk every job (bench/chaos). */
export async function allIndexKeys(redis: Redis, keys: JobKeys): Promise<string[]> {
  return (await indexSources(redis, keys, { owner: '', admin: true })).map((s) => s.key);
}
