// list_jobs with a status or tool filter, through JobService on real Redis with no worker: a
// tool filter reads that tool's index only, a status filter reads the indexes at the jobs of that
// status only (status-candidates.ts). Each walk pages to its end with a small limit and must give
// exactly the jobs an unfiltered walk shows with that status or tool, newest first, each once —
// also when jobs change status between pages, and for ids in the indexes older versions wrote.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/jobs/caller.js';
import { jobKeys } from '../../src/jobs/job-keys.js';
import type { JobStatus, JobStatusName } from '../../src/jobs/job-model.js';
import type { ListFilter } from '../../src/jobs/list-jobs.js';
import { startHarness, type Harness } from '../support/harness.js';

const QUERY = '>q1\nACGTACGTACGTACGTACGTACGTACGTAGCTAGCTAGCTAGCATCGATCGATCGA\n';
const root: Caller = { owner: 'root', admin: true, remote: false };

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false });
});

afterAll(async () => {
  await h?.close();
});

function owner(name: string): Caller {
  return { owner: name, admin: false, remote: false };
}

async function submit(caller: Caller, tool: 'blastn' | 'blastx'): Promise<string> {
  const database = tool === 'blastn' ? 'nt' : 'nr';
  return (await h.runtime.jobs.submit(tool, { query: QUERY, database }, { priority: 5, caller })).job_id;
}

// Every page until next_cursor is null; between pages, `between` may change jobs.
async function walk(caller: Caller, filter: Omit<ListFilter, 'cursor'>, between?: (page: number, seen: readonly JobStatus[]) => Promise<void>): Promise<JobStatus[]> {
  const seen: JobStatus[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 200; page++) {
    const answer = await h.runtime.jobs.list({ ...filter, ...(cursor ? { cursor } : {}) }, caller);
    seen.push(...answer.jobs);
    if (answer.next_cursor === null) return seen;
    cursor = answer.next_cursor;
    await between?.(page, seen);
  }
  throw new Error('paging did not end within 200 pages');
}

const ids = (jobs: readonly JobStatus[]) => jobs.map((j) => j.job_id);

describe('list_jobs filtered', () => {
  it('pages by tool and by status, for the owner and for an admin, as the unfiltered list has them', async () => {
    const carol = owner('carol');
    const dave = owner('dave');
    for (let i = 0; i < 14; i++) await submit(i % 2 ? carol : dave, i % 3 ? 'blastn' : 'blastx');
    // Some cancelled while queued: their tombstones answer "cancelled".
    const all = await walk(carol, { limit: 100 });
    for (const job of all.filter((_, i) => i % 3 === 1)) await h.runtime.jobs.cancel(job.job_id, carol);
    const now = await walk(carol, { limit: 100 });
    expect(ids(now)).toEqual(ids(all));
    const byStatus = (status: JobStatusName) => ids(now.filter((j) => j.status === status));
    expect(byStatus('cancelled').length).toBeGreaterThan(0);
    for (const status of ['queued', 'cancelled', 'completed', 'running', 'failed'] as const) {
      expect(ids(await walk(carol, { status, limit: 2 }))).toEqual(byStatus(status));
    }
    for (const tool of ['blastn', 'blastx']) {
      expect(ids(await walk(carol, { tool, limit: 3 }))).toEqual(ids(now.filter((j) => j.tool === tool)));
      expect(ids(await walk(carol, { tool, status: 'queued', limit: 3 }))).toEqual(ids(now.filter((j) => j.tool === tool && j.status === 'queued')));
    }
    // The admin's list merges every owner's indexes in one order.
    const everyone = await walk(root, { limit: 4 });
    expect(ids(everyone)).toEqual(expect.arrayContaining([...ids(now), ...ids(await walk(dave, { limit: 100 }))]));
    const order = everyone.map((j) => j.submitted_at);
    expect(order).toEqual([...order].sort().reverse());
    expect(ids(await walk(root, { status: 'cancelled', limit: 1 }))).toEqual(ids(everyone.filter((j) => j.status === 'cancelled')));
    expect(ids(await walk(root, { tool: 'blastx', limit: 1 }))).toEqual(ids(everyone.filter((j) => j.tool === 'blastx')));
  });

  it('gives each job at most once and never a job of another status when jobs change status between pages', async () => {
    const erin = owner('erin');
    for (let i = 0; i < 12; i++) await submit(erin, 'blastn');
    const before = ids(await walk(erin, { limit: 100 }));
    const cancelled = new Set<string>();
    const cancelledAhead = new Set<string>();
    // After each page: cancel the last job listed and one the walk has not reached yet.
    const queued = await walk(erin, { status: 'queued', limit: 3 }, async (page, seen) => {
      const listed = seen[seen.length - 1]!.job_id;
      const ahead = before[before.indexOf(listed) + 2 + page];
      for (const id of [listed, ahead]) {
        if (id === undefined || cancelled.has(id)) continue;
        await h.runtime.jobs.cancel(id, erin);
        cancelled.add(id);
        if (id === ahead) cancelledAhead.add(id);
      }
    });
    const got = ids(queued);
    expect(cancelledAhead.size).toBeGreaterThan(0);
    expect(new Set(got).size).toBe(got.length);
    // In index order: every job still queued, and those cancelled only once listed.
    expect(got).toEqual(before.filter((id) => !cancelled.has(id) || (got.includes(id) && !cancelledAhead.has(id))));
    for (const id of cancelledAhead) expect(got).not.toContain(id);
    expect(ids(await walk(erin, { status: 'cancelled', limit: 2 }))).toEqual(before.filter((id) => cancelled.has(id)));
  });

  it('lists the ids in the indexes older versions wrote, and drops those whose job is gone', async () => {
    const frank = owner('frank');
    const keys = jobKeys(h.config.prefix);
    const id = await submit(frank, 'blastn');
    // A later millisecond: jobs submitted in the same one tie in the indexes and are listed by id.
    await new Promise((r) => setTimeout(r, 5));
    const legacy = await submit(frank, 'blastx');
    // As an older version indexed it: in the owner's and the global index, not the tool's.
    const at = Date.parse((await h.runtime.jobs.status(legacy, frank)).submitted_at);
    await h.runtime.redis.multi().zrem(keys.toolIndex('frank', 'blastx'), legacy).zadd(keys.legacyOwnerIndex('frank'), at, legacy).zadd(keys.legacyIndex, at, legacy).zadd(keys.legacyOwnerIndex('frank'), at - 1, 'blast-gone000000000000').exec();
    expect(ids(await walk(frank, { limit: 1 }))).toEqual([legacy, id]);
    expect(ids(await walk(frank, { tool: 'blastx', limit: 1 }))).toEqual([legacy]);
    expect(ids(await walk(frank, { status: 'queued', limit: 1 }))).toEqual([legacy, id]);
    expect(ids(await walk(root, { limit: 100 }))).toEqual(expect.arrayContaining([legacy, id]));
    expect(await h.runtime.redis.zscore(keys.legacyOwnerIndex('frank'), 'blast-gone000000000000')).toBeNull();
  });
});
