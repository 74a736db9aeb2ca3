// SET key value PX ttl NX for a claim that must hold however ioredis delivers it. When the
// connection drops after Redis ran the SET but before its reply came back (a Redis restart, a
// network blip), ioredis sends the command again on reconnecting (autoResendUnfulfilledCommands,
// its default), and that second SET NX finds the key the first one set and answers "not set".
// So a refusal is checked against what the key holds: our own value means the claim is ours.
import type { Redis } from 'ioredis';

/** holder: what the key holds instead of our value; null when it was gone by the time it was read. */
export type SetIfAbsent = { set: true } | { set: false; holder: string | null };

export async function setIfAbsent(redis: Redis, key: string, value: string, ttlMs: number): Promise<SetIfAbsent> {
  if ((await redis.set(key, value, 'PX', ttlMs, 'NX')) === 'OK') return { set: true };
  const holder = await redis.get(key);
  return holder === value ? { set: true } : { set: false, holder };
}
