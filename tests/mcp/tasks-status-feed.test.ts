// The feed behind notifications/tasks/status is bounded: a session follows at most
// MAX_FOLLOWED_TASKS tasks at once, and stops following all of them when it closes — on real
// Redis, with jobs that stay queued (no worker), so nothing ends them meanwhile.
import fs from 'node:fs/promises';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CALLER } from '../../src/jobs/caller.js';
import { createLogger } from '../../src/logger.js';
import { JobTaskStore } from '../../src/mcp/job-task-store.js';
import { MAX_FOLLOWED_TASKS, TaskStatusFeed } from '../../src/mcp/task-status-feed.js';
import { testEnv } from '../support/harness.js';
import { startReplica, type Replica } from '../support/replicas.js';

let replica: Replica;
let dataDir: string;

beforeAll(async () => {
  const t = await testEnv();
  dataDir = t.dataDir;
  replica = await startReplica(t.env, { embeddedWorker: false });
});

afterAll(async () => {
  await replica?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('task status feed', () => {
  it(`follows at most ${MAX_FOLLOWED_TASKS} tasks, and none once closed`, async () => {
    const { jobs } = replica.runtime;
    const store = new JobTaskStore(jobs, LOCAL_CALLER, replica.config.retentionMs);
    const feed = new TaskStatusFeed(new Server({ name: 'feed-test', version: '1' }), jobs, LOCAL_CALLER, store, createLogger('silent'));
    for (let i = 0; i <= MAX_FOLLOWED_TASKS; i++) {
      const { job_id } = await jobs.submit('seqkit_stats', { sequences: ['>a\nACGT\n'] }, { priority: 5, caller: LOCAL_CALLER });
      feed.follow(await store.createTask({ context: { jobId: job_id } }));
    }
    expect(feed.following).toBe(MAX_FOLLOWED_TASKS);
    feed.close();
    expect(feed.following).toBe(0);
    const { job_id } = await jobs.submit('seqkit_stats', { sequences: ['>b\nACGT\n'] }, { priority: 5, caller: LOCAL_CALLER });
    feed.follow(await store.createTask({ context: { jobId: job_id } }));
    expect(feed.following).toBe(0);
  });
});
