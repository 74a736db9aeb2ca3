// The retention sweep walks the registries of idempotency records and tombstones instead of
// SCANning the keyspace: on real Redis through JobService, with no worker. Records and tombstones
// older versions wrote (no registry entry) are adopted by one SCAN, then never scanned for again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CALLER } from '../../src/jobs/caller.js';
import { idempotencyRecordKey, idempotencyRegistryKey } from '../../src/jobs/idempotency.js';
import { jobKeys } from '../../src/jobs/job-keys.js';
import { adoptionMarkers, sweepOnce } from '../../src/jobs/retention-sweep.js';
import { startHarness, type Harness } from '../support/harness.js';

const QUERY = '>q1\nACGTACGTACGTACGTACGTACGTACGTAGCTAGCTAGCTAGCATCGATCGATCGA\n';
const DAY_MS = 24 * 3600 * 1000;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false });
});

afterAll(async () => {
  await h?.close();
});

async function submit(idempotencyKey?: string): Promise<string> {
  return (await h.runtime.jobs.submit('blastn', { query: QUERY, database: 'nt' }, { priority: 5, caller: LOCAL_CALLER, idempotencyKey })).job_id;
}

const sweep = () => sweepOnce(h.config, h.runtime.queues, h.runtime.store, h.runtime.redis);

describe('retention sweep registries', () => {
  it('renews a record whose job exists, frees one whose job is gone, and drops members of records gone', async () => {
    const redis = h.runtime.redis;
    const registry = idempotencyRegistryKey(h.config.prefix);
    const kept = idempotencyRecordKey(h.config.prefix, 'local', 'kept');
    const freed = idempotencyRecordKey(h.config.prefix, 'local', 'freed');
    const keptJob = await submit('kept');
    const freedJob = await submit('freed');
    expect(await redis.zscore(registry, kept)).not.toBeNull();
    expect(await redis.zscore(registry, freed)).not.toBeNull();
    // freed's job is cancelled, then its tombstone removed: nothing of the job is left.
    await h.runtime.jobs.cancel(freedJob, LOCAL_CALLER);
    await redis.del(jobKeys(h.config.prefix).tombstone(freedJob));
    const expired = idempotencyRecordKey(h.config.prefix, 'local', 'expired');
    await redis.zadd(registry, Date.now(), expired);
    await redis.pexpire(kept, 60_000);

    expect((await sweep()).idempotencyKeys).toBe(1);
    expect(await redis.exists(freed)).toBe(0);
    expect(await redis.zscore(registry, freed)).toBeNull();
    expect(await redis.zscore(registry, expired)).toBeNull();
    // Renewed to the retention time (7 days by default).
    expect(await redis.pttl(kept)).toBeGreaterThan(DAY_MS);
    expect(JSON.parse((await redis.get(kept))!)).toMatchObject({ job_id: keptJob, state: 'queued' });
    // The key is free again: it makes a new job.
    expect(await submit('freed')).not.toBe(freedJob);
  });

  it('adopts the records and tombstones older versions wrote, once', async () => {
    const redis = h.runtime.redis;
    const keys = jobKeys(h.config.prefix);
    const registry = idempotencyRegistryKey(h.config.prefix);
    // As an older version left them: records and a tombstone no registry names, and no marker.
    const jobId = await submit();
    const old = idempotencyRecordKey(h.config.prefix, 'local', 'old');
    await redis.del(...Object.values(adoptionMarkers(h.config.prefix)));
    await redis.set(old, JSON.stringify({ job_id: jobId, fingerprint: 'x', state: 'queued' }), 'PX', 60_000);
    const cancelled = await submit();
    await h.runtime.jobs.cancel(cancelled, LOCAL_CALLER);
    await redis.zrem(keys.tombstones, cancelled);
    const listCancelled = async () => (await h.runtime.jobs.list({ status: 'cancelled', limit: 100 }, LOCAL_CALLER)).jobs.map((j) => j.job_id);
    expect(await listCancelled()).not.toContain(cancelled);

    await sweep();
    expect(await redis.zscore(registry, old)).not.toBeNull();
    expect(await redis.pttl(old)).toBeGreaterThan(DAY_MS);
    expect(Number(await redis.zscore(keys.tombstones, cancelled))).toBeGreaterThan(Date.now() + DAY_MS);
    expect(await listCancelled()).toContain(cancelled);

    // Adopted once: a record written without the registry after that is not scanned for.
    const later = idempotencyRecordKey(h.config.prefix, 'local', 'later');
    await redis.set(later, JSON.stringify({ job_id: jobId, fingerprint: 'x', state: 'queued' }), 'PX', 60_000);
    await sweep();
    expect(await redis.zscore(registry, later)).toBeNull();
  });

  it('drops tombstone registry members past their expiry', async () => {
    const redis = h.runtime.redis;
    const keys = jobKeys(h.config.prefix);
    await redis.zadd(keys.tombstones, Date.now() - 1, 'blast-expired000000000');
    await sweep();
    expect(await redis.zscore(keys.tombstones, 'blast-expired000000000')).toBeNull();
  });
});
