// Commands a Redis has run so far, from INFO commandstats: the Redis work a path costs, a figure
// the machine's load cannot move (issue 11). A script's own redis.call()s count too (Redis 7.0 has
// no count of what clients sent alone), and so does the INFO call that asks.

/** Calls so far by command name. */
export async function redisCommandsByName(redis: { info(section: string): Promise<string> }): Promise<Map<string, number>> {
  const run = new Map<string, number>();
  for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) run.set(match[1]!, Number(match[2]));
  return run;
}

/** Calls so far, all commands together. */
export async function redisCommandsRun(redis: { info(section: string): Promise<string> }): Promise<number> {
  let calls = 0;
  for (const n of (await redisCommandsByName(redis)).values()) calls += n;
  return calls;
}
