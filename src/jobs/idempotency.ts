// idempotency_key on a submission: the same key from the same owner gives back the job it first
// made for as long as that job exists (until retention removes it), so a client that lost the
// answer to a submit can simply send it again. The key is reserved in Redis (SET NX) before
// anything is staged or queued, so of many concurrent submissions exactly one makes the job and
// the others wait for it and get its id; a submission that fails releases the key, and one whose
// server dies holds it only until its short reservation lapses (PENDING_MS). As in
// Stripe's API, reusing a key for a different submission (another tool, other parameters or
// priority) is refused rather than answered with a job that is not what was asked for.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BioQueueError, inputError } from '../errors.js';

interface KeyRecord {
  job_id: string;
  /** Hash of the tool, the parsed parameters and the priority. */
  fingerprint: string;
  /** pending: the first submission is still staging or queueing; queued: the job exists. */
  state: 'pending' | 'queued';
}

export type Claim =
  | { kind: 'existing'; jobId: string }
  | {
      kind: 'new';
      jobId: string;
      /** The job is queued: the key now answers with it until the job is gone. */
      confirm(): Promise<void>;
      /** The submission failed: the key is free again. */
      release(): Promise<void>;
    };

export interface ClaimOptions {
  redis: Redis;
  prefix: string;
  owner: string;
  /** The caller's idempotency_key. */
  key: string;
  fingerprint: string;
  /** The id the job gets should this submission make it. */
  jobId: string;
  /** Whether the job still exists (queued, running or kept after its end), for its owner. */
  jobExists(jobId: string): Promise<boolean>;
  retentionMs: number;
  /** The caller is gone: stop waiting for another submission's reservation. */
  signal?: AbortSignal | undefined;
}

/**
 * A pending reservation outlives a server that died mid-submit (or lost Redis between claiming
 * the key and queueing the job) by at most this; a submission still working renews it every
 * RENEW_MS. Short, because until it lapses every retry of that submission waits on it: at two
 * minutes, a client whose first attempt hit a Redis restart waited two minutes for its job.
 */
const PENDING_MS = 20_000;
const RENEW_MS = 5_000;
/** A confirmation that could not reach Redis is tried again after these pauses (the reservation is renewed meanwhile). */
const CONFIRM_RETRY_MS = [250, 1000, 2000, 5000, 5000, 10_000, 10_000, 30_000, 30_000, 60_000];
/** How long a concurrent submission waits for the first one to queue its job before answering conflict. */
const WAIT_MS = 60_000;
const POLL_MS = 50;

// Each runs only if the record is still the one this submission wrote.
// A confirmation also takes a key whose reservation lapsed meanwhile and no one took: the job exists.
const IF_MINE_OR_FREE_SET = `local v = redis.call('GET', KEYS[1]) if v == ARGV[1] or v == false then return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end return false`;
const IF_MINE_DEL = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const IF_MINE_EXPIRE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

export function idempotencyRecordKey(prefix: string, owner: string, key: string): string {
  // Owners are API key names (no ":"), so one owner's keys never reach into another's.
  return `${prefix}:bioq:idem:${owner}:${key}`;
}

/** The pattern of every record under prefix: what versions before the registry left to be found by SCAN. */
export function idempotencyRecordPattern(prefix: string): string {
  return `${prefix}:bioq:idem:*`;
}

/**
 * Sorted set of every record's key (scored by when it was claimed), so the retention sweep walks
 * the records instead of SCANning the whole keyspace for them. A member may outlive its record
 * (a reservation that expired): the sweep drops it.
 */
export function idempotencyRegistryKey(prefix: string): string {
  return `${prefix}:bioq:idem-keys`;
}

// Same tool, same parsed parameters (defaults filled in, keys in any order), same priority.
export function submissionFingerprint(tool: string, params: Record<string, unknown>, priority: number): string {
  return createHash('sha256').update(canonicalJson({ tool, params, priority })).digest('hex');
}

export async function claimIdempotencyKey(options: ClaimOptions): Promise<Claim> {
  const { redis, fingerprint, jobId } = options;
  const recordKey = idempotencyRecordKey(options.prefix, options.owner, options.key);
  const shownKey = JSON.stringify(options.key);
  const deadline = Date.now() + WAIT_MS;
  const mine = JSON.stringify({ job_id: jobId, fingerprint, state: 'pending' } satisfies KeyRecord);
  for (;;) {
    // Named in the registry in the same transaction, so no record is ever missing from it.
    const [claimed] = (await redis.multi().set(recordKey, mine, 'PX', PENDING_MS, 'NX').zadd(idempotencyRegistryKey(options.prefix), Date.now(), recordKey).exec())!;
    if (claimed![0]) throw claimed![0];
    if (claimed![1] === 'OK') return newClaim(options, recordKey, mine);
    const raw = await redis.get(recordKey);
    if (raw === null) continue; // released or expired just now: try again
    // Our own reservation, found by a MULTI sent again after a lost reply (why: src/redis/
    // set-if-absent.ts, which this transaction cannot use: the registry is named in it too). Job
    // ids are new for every submission, so no other submission wrote this. (Unrecognised, it
    // waited on itself until it lapsed.)
    if (raw === mine) return newClaim(options, recordKey, mine);
    const found = JSON.parse(raw) as KeyRecord;
    const exists = await options.jobExists(found.job_id);
    if (!exists && found.state === 'queued') {
      // Its job is gone (retention): the key is free again.
      await redis.eval(IF_MINE_DEL, 1, recordKey, raw);
      continue;
    }
    if (found.fingerprint !== fingerprint) {
      throw inputError(
        'idempotency_key',
        `${shownKey} was already used for job ${found.job_id}, submitted with another tool, other parameters or another priority; use a new key for a different submission`,
      );
    }
    // A pending record whose job exists lost only its confirmation: the job is there all the same.
    if (exists) return { kind: 'existing', jobId: found.job_id };
    // Nobody would read the answer: each abandoned wait would otherwise poll on for up to WAIT_MS
    // (a client retrying on a short timeout stacked one a retry).
    if (options.signal?.aborted) throw new BioQueueError('cancelled', `idempotency_key: the request waiting for another submission with ${shownKey} was abandoned`);
    if (Date.now() >= deadline) {
      throw new BioQueueError('conflict', `idempotency_key: another submission with ${shownKey} is still staging its inputs; send it again shortly to get its job`, {
        field: 'idempotency_key',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// This submission holds the key: keep the reservation alive while it stages (a large input can
// take minutes to copy into S3), then hand the key to the job or give it back.
function newClaim(options: ClaimOptions, recordKey: string, mine: string): Claim {
  const { redis, fingerprint, jobId, retentionMs } = options;
  const renew = setInterval(() => {
    // A missed renewal only shortens the reservation; the submission goes on either way.
    redis.eval(IF_MINE_EXPIRE, 1, recordKey, mine, String(PENDING_MS)).catch(() => undefined);
  }, RENEW_MS);
  renew.unref();
  return {
    kind: 'new',
    jobId,
    async confirm() {
      const queued = JSON.stringify({ job_id: jobId, fingerprint, state: 'queued' } satisfies KeyRecord);
      // The retention sweep renews it for as long as the job exists, and removes it after.
      const hand = () => redis.eval(IF_MINE_OR_FREE_SET, 1, recordKey, mine, queued, String(Math.ceil(retentionMs)));
      try {
        await hand();
        clearInterval(renew);
      } catch (err) {
        // The job is queued: the key must come to name it, or a retry after the reservation
        // lapses would make a second job. Tried again in the background; the caller logs this one.
        confirmLater(hand, () => clearInterval(renew));
        throw err;
      }
    },
    async release() {
      clearInterval(renew);
      await redis.eval(IF_MINE_DEL, 1, recordKey, mine);
    },
  };
}

// Retries a confirmation until Redis takes it (or the pauses run out, after about 2.5 minutes:
// then the reservation lapses as a dead server's would), renewing the reservation meanwhile.
function confirmLater(confirm: () => Promise<unknown>, done: () => void): void {
  let attempt = 0;
  const next = () => {
    const pause = CONFIRM_RETRY_MS[attempt++];
    if (pause === undefined) return done();
    setTimeout(() => {
      confirm().then(done, next);
    }, pause).unref();
  };
  next();
}

// JSON with object keys sorted at every level, so the same values always hash the same.
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
