// Pages through job indexes merged, newest first, with a cursor that stays valid while new jobs
// arrive (it names the last job seen, not an offset). A page's jobs are loaded together, not one
// after another (a job is four Redis round trips).
import type { Redis } from 'ioredis';
import { inputError } from '../errors.js';
import type { JobPage, JobStatus, JobStatusName } from './job-model.js';
import type { IndexSource } from './job-index.js';

export interface ListFilter {
  status?: JobStatusName;
  tool?: string;
  limit: number;
  cursor?: string;
}

export interface ListOptions {
  /**
   * Every job that may have the filter's status, when few enough to list (status-candidates.ts):
   * the indexes are then read only at these ids, instead of loading each job to see its status.
   */
  candidates?: readonly string[] | undefined;
}

/** Loads one listed job; undefined when it is gone (the loader may drop it from `source`). */
export type LoadListed = (jobId: string, source: string) => Promise<JobStatus | undefined>;

const BATCH = 100;
// ZMSCORE arguments per call when reading the indexes at the candidates.
const CANDIDATE_CHUNK = 1_000;

interface Entry {
  id: string;
  score: number;
  source: string;
}

type Position = Pick<Entry, 'id' | 'score'>;

function encodeCursor(at: Position): string {
  return Buffer.from(`${at.score}:${at.id}`).toString('base64url');
}

function decodeCursor(cursor: string): Position {
  const [score, id] = Buffer.from(cursor, 'base64url').toString().split(':');
  if (!score || !id || !Number.isFinite(Number(score))) throw inputError('cursor', 'not a cursor this server gave out');
  return { score: Number(score), id };
}

// Index order: newest first, and within a millisecond reverse lexical (as ZREVRANGEBYSCORE gives).
function before(a: Position, b: Position): boolean {
  return a.score !== b.score ? a.score > b.score : a.id > b.id;
}

// One index's entries strictly after `after`, BATCH at a time. A batch that ends inside a run of
// jobs sharing a millisecond stops short of that run, which is then read whole in one call, so a
// run longer than a batch is read past (and jobs dropped on the way shift no offset).
async function* indexEntries(redis: Redis, key: string, after: Position | undefined): AsyncGenerator<Entry> {
  const run = async function* (score: number, belowId: string | undefined): AsyncGenerator<Entry> {
    for (const id of await redis.zrevrangebyscore(key, score, score)) if (belowId === undefined || id < belowId) yield { id, score, source: key };
  };
  let max = '+inf';
  if (after) {
    yield* run(after.score, after.id);
    max = `(${after.score}`;
  }
  for (;;) {
    const batch = await redis.zrevrangebyscore(key, max, '-inf', 'WITHSCORES', 'LIMIT', 0, BATCH);
    const full = batch.length === BATCH * 2;
    const lastScore = Number(batch[batch.length - 1]);
    for (let i = 0; i < batch.length; i += 2) {
      const score = Number(batch[i + 1]);
      if (full && score === lastScore) break;
      yield { id: batch[i]!, score, source: key };
    }
    if (!full) return;
    yield* run(lastScore, undefined);
    max = `(${lastScore}`;
  }
}

// One index's entries among the candidates, strictly after `after`: their scores read in chunks.
async function* candidateEntries(redis: Redis, key: string, candidates: readonly string[], after: Position | undefined): AsyncGenerator<Entry> {
  const found: Entry[] = [];
  for (let i = 0; i < candidates.length; i += CANDIDATE_CHUNK) {
    const ids = candidates.slice(i, i + CANDIDATE_CHUNK);
    const scores = await redis.zmscore(key, ...ids);
    scores.forEach((score, j) => {
      if (score !== null) found.push({ id: ids[j]!, score: Number(score), source: key });
    });
  }
  found.sort((a, b) => (before(a, b) ? -1 : 1));
  for (const entry of found) if (!after || before(after, entry)) yield entry;
}

// The sources' entries in one newest-first order.
async function* merged(sources: readonly AsyncGenerator<Entry>[]): AsyncGenerator<Entry> {
  const heads = await Promise.all(sources.map((s) => s.next()));
  for (;;) {
    let best = -1;
    heads.forEach((head, i) => {
      if (!head.done && (best < 0 || before(head.value, (heads[best] as IteratorYieldResult<Entry>).value))) best = i;
    });
    if (best < 0) return;
    yield (heads[best] as IteratorYieldResult<Entry>).value;
    heads[best] = await sources[best]!.next();
  }
}

export async function listJobIds(redis: Redis, sources: readonly IndexSource[], filter: ListFilter, load: LoadListed, options: ListOptions = {}): Promise<JobPage> {
  const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
  const { candidates } = options;
  const entries = merged(sources.map((s) => (candidates ? candidateEntries(redis, s.key, candidates, after) : indexEntries(redis, s.key, after))));
  const filtered = filter.status !== undefined || filter.tool !== undefined;
  const jobs: JobStatus[] = [];
  for (;;) {
    // Unfiltered, every job read is listed: read no more than the page still needs.
    const want = filtered ? BATCH : filter.limit - jobs.length;
    const group: Entry[] = [];
    for (let next = await entries.next(); ; next = await entries.next()) {
      if (next.done) break;
      group.push(next.value);
      if (group.length === want) break;
    }
    if (group.length === 0) return { jobs, next_cursor: null };
    const loaded = await Promise.all(group.map((e) => load(e.id, e.source)));
    for (const [i, status] of loaded.entries()) {
      if (!status) continue;
      if (filter.status && status.status !== filter.status) continue;
      if (filter.tool && status.tool !== filter.tool) continue;
      jobs.push(status);
      if (jobs.length === filter.limit) {
        await entries.return(undefined);
        return { jobs, next_cursor: encodeCursor(group[i]!) };
      }
    }
    if (group.length < want) return { jobs, next_cursor: null };
  }
}
