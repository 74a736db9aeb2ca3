// The ownership rule lives in JobService, so every adapter (MCP over stdio or HTTP, REST) gets it:
// a caller sees only its own jobs, another owner's job answers exactly as an unknown one, an
// admin sees all. Remote submissions are rate-limited per owner; stdio is not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BioQueueError } from '../../src/errors.js';
import { LOCAL_CALLER, type Caller } from '../../src/jobs/caller.js';
import { startHarness, type Harness } from '../support/harness.js';

const alice: Caller = { owner: 'alice', admin: false, remote: true };
const bob: Caller = { owner: 'bob', admin: false, remote: true };
const root: Caller = { owner: 'root', admin: true, remote: true };
const QUERY = '>q1\nACGTACGTACGTACGTACGTACGTACGTAGCTAGCTAGCTAGCATCGATCGATCGA\n';

let h: Harness;

// The error a call throws, as code and message with the job id taken out.
async function failure(call: Promise<unknown>, jobId?: string): Promise<{ code: string; message: string }> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof BioQueueError)) throw err;
    return { code: err.code, message: jobId ? err.message.replaceAll(jobId, '<id>') : err.message };
  }
  throw new Error('the call succeeded but should have failed');
}

async function submit(caller: Caller): Promise<string> {
  const submission = await h.runtime.jobs.submit('blastn', { query: QUERY, database: 'nt' }, { priority: 5, caller });
  return submission.job_id;
}

beforeAll(async () => {
  // No worker: the jobs stay queued, which is all these rules need.
  h = await startHarness({ embeddedWorker: false, env: { BIO_QUEUE_SUBMIT_RATE_LIMIT: '4' } });
});

afterAll(async () => {
  await h?.close();
});

describe('job ownership', () => {
  it('lists only the caller\'s own jobs, and every job for an admin', async () => {
    const a1 = await submit(alice);
    const a2 = await submit(alice);
    const b1 = await submit(bob);
    const ids = async (caller: Caller) => (await h.runtime.jobs.list({ limit: 100 }, caller)).jobs.map((j) => j.job_id);
    expect(await ids(alice)).toEqual([a2, a1]);
    expect(await ids(bob)).toEqual([b1]);
    expect(await ids(root)).toEqual(expect.arrayContaining([a1, a2, b1]));
    expect(await ids(LOCAL_CALLER)).toEqual([]);
  });

  it('answers another owner\'s job id exactly as an unknown one, for every call', async () => {
    const jobs = h.runtime.jobs;
    const mine = await submit(alice);
    const unknown = `${mine.slice(0, -4)}zzzz`;
    const asUnknown = await failure(jobs.status(unknown, bob), unknown);
    expect(asUnknown.code).toBe('not_found');
    expect(await failure(jobs.status(mine, bob), mine)).toEqual(asUnknown);
    expect(await failure(jobs.result(mine, bob), mine)).toEqual(await failure(jobs.result(unknown, bob), unknown));
    expect(await failure(jobs.cancel(mine, bob), mine)).toEqual(await failure(jobs.cancel(unknown, bob), unknown));
    expect(await failure(jobs.wait(mine, bob, 1), mine)).toEqual(asUnknown);
    expect(await failure(jobs.readFile(mine, 'hits.tsv', 0, 10, bob), mine)).toEqual(await failure(jobs.readFile(unknown, 'hits.tsv', 0, 10, bob), unknown));
    // bob's failed cancel left alice's job alone; the admin sees it.
    expect((await jobs.status(mine, alice)).status).toBe('queued');
    expect((await jobs.status(mine, root)).status).toBe('queued');
  });

  it('keeps the rule for a cancelled job, whose record is a tombstone', async () => {
    const jobs = h.runtime.jobs;
    const id = await submit(bob);
    expect((await jobs.cancel(id, bob)).status).toBe('cancelled');
    expect((await failure(jobs.status(id, alice), id)).code).toBe('not_found');
    expect((await jobs.status(id, root)).status).toBe('cancelled');
    expect((await jobs.status(id, bob)).status).toBe('cancelled');
  });
});

describe('stored inputs over stdio', () => {
  it('refuses upload:// and s3:// where nothing can be uploaded (local files, no serve)', async () => {
    const submitQuery = (query: string) => failure(h.runtime.jobs.submit('blastn', { query, database: 'nt' }, { priority: 5, caller: LOCAL_CALLER }));
    expect(await submitQuery('upload://AAAAAAAAAAAAAAAAAAAAAA')).toEqual({ code: 'input_invalid', message: 'query: upload:// references need `bio-mcp-queue serve` or S3 storage' });
    expect(await submitQuery('s3://lab-data/q.fa')).toEqual({ code: 'input_invalid', message: 'query: s3:// inputs need S3 storage (BIO_STORAGE_BACKEND=s3)' });
  });
});

describe('submission rate limit', () => {
  it('refuses a remote owner\'s submissions past the limit with the time to wait, and leaves others alone', async () => {
    // The window is the clock's minute: should one start mid-test, go again as a new owner.
    const minute = () => Math.floor(Date.now() / 60_000);
    let carol: Caller;
    let refused: { code: string; message: string };
    let attempt = 0;
    do {
      attempt += 1;
      carol = { owner: `carol${attempt}`, admin: false, remote: true };
      const started = minute();
      for (let i = 0; i < 4; i++) await submit(carol);
      refused = await failure(submit(carol)).catch(() => ({ code: 'accepted', message: '' }));
      if (minute() === started) break;
    } while (attempt < 3);
    expect(refused.code).toBe('rate_limited');
    expect(refused.message).toMatch(/"carol\d" has made more than 4 submissions this minute \(BIO_QUEUE_SUBMIT_RATE_LIMIT\); try again in \d+ s/);
    // A refused submission queued nothing.
    expect((await h.runtime.jobs.list({ limit: 100 }, carol)).jobs).toHaveLength(4);
    await expect(submit({ owner: 'dave', admin: false, remote: true })).resolves.toMatch(/^blast-/);
    // stdio is trusted and local: not limited.
    for (let i = 0; i < 6; i++) await submit(LOCAL_CALLER);
  });
});
