// The feed a replica hears other replicas' session changes on, on the test run's real Redis: it
// is trusted (has an epoch) only once subscribed, passes on the ids published to its channel,
// and a lost connection ends its epoch, so a confirmation made before the loss is never trusted
// after it (a message published meanwhile is lost: mcp-sessions.ts relies on this).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { McpSessionRecords } from '../../src/http/mcp-session-records.js';
import type { SessionChangeFeed } from '../../src/http/mcp-session-changes.js';
import { createLogger } from '../../src/logger.js';
import { until } from '../support/worker-processes.js';

let redis: Redis;
let feed: SessionChangeFeed;
const heard: string[] = [];
const prefix = `t${randomBytes(6).toString('hex')}`;
const init = { protocolVersion: '2025-06-18', clientInfo: { name: 'c', version: '1' }, capabilities: {} };

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  feed?.close();
  await redis.quit();
});

it('has an epoch once subscribed, hears every change to a record, and starts a new epoch after a lost connection', async () => {
  const records = new McpSessionRecords(redis, prefix, 60_000);
  feed = records.watch((id) => heard.push(id), createLogger('silent'));
  const first = await until('the feed to subscribe', async () => feed.epoch);

  await records.save('s1', 'alice', init, Date.now());
  await records.setLogLevel('s1', 'error');
  await records.setLogLevel('gone', 'error'); // no record: nothing changed, nothing said
  expect(await records.removeIfIdleSince('s1', 0)).toBe(false); // used since: kept, nothing said
  expect(await records.removeIfIdleSince('s1', Date.now())).toBe(true);
  await records.save('s2', 'alice', init, Date.now());
  await records.remove('s2');
  await until('the changes to be heard', async () => (heard.length >= 3 ? true : undefined));
  expect(heard).toEqual(['s1', 's1', 's2']);
  expect(await redis.exists(`${prefix}:bioq:mcp-session:s1`, `${prefix}:bioq:mcp-session:s2`)).toBe(0);

  // Redis drops the feed's connection (as a restart or a network cut would).
  const subscribers = (await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
  const ours = subscribers.split('\n').filter((line) => line.includes('name=bio-mcp-queue:server:mcp-session-changes') && line.includes(`sub=1`));
  expect(ours.length).toBeGreaterThan(0);
  for (const line of ours) await redis.call('CLIENT', 'KILL', 'ID', /id=(\d+)/.exec(line)![1]!);
  const second = await until('the feed to subscribe again', async () => (feed.epoch !== undefined && feed.epoch !== first ? feed.epoch : undefined));
  expect(second).toBeGreaterThan(first);

  await records.save('s3', 'alice', init, Date.now());
  await records.remove('s3');
  await until('the change after the reconnection to be heard', async () => (heard.includes('s3') ? true : undefined));
});
