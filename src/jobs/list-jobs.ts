// Pages through the job index, newest first, with a cursor that stays valid while new jobs
// arrive (it names the last job seen, not an offset).
import type { Redis } from 'ioredis';
import { inputError } from '../errors.js';
import type { JobPage, JobStatus, JobStatusName } from './job-model.js';

export interface ListFilter {
  status?: JobStatusName;
  tool?: string;
  limit: number;
  cursor?: string;
}

const BATCH = 100;

function encodeCursor(score: number, id: string): string {
  return Buffer.from(`${score}:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { score: number; id: string } {
  const [score, id] = Buffer.from(cursor, 'base64url').toString().split(':');
  if (!score || !id || !Number.isFinite(Number(score))) throw inputError('cursor', 'not a cursor this server gave out');
  return { score: Number(score), id };
}

export async function listJobIds(
  redis: Redis,
  indexKey: string,
  filter: ListFilter,
  load: (jobId: string) => Promise<JobStatus | undefined>,
): Promise<JobPage> {
  const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
  let max: string = after ? String(after.score) : '+inf';
  // Entries at score `max` already read by earlier batches: skipped with LIMIT's offset, so a run
  // of more than BATCH jobs sharing one millisecond is read on past instead of read again forever.
  let offset = 0;
  const jobs: JobStatus[] = [];
  let skipUpTo = after;
  for (;;) {
    const batch = await redis.zrevrangebyscore(indexKey, max, '-inf', 'WITHSCORES', 'LIMIT', offset, BATCH);
    if (batch.length === 0) return { jobs, next_cursor: null };
    let lastScore = 0;
    // Entries of this batch at its last score still in the index (a job load() answers undefined
    // for is one the caller dropped from it).
    let stillAtLastScore = 0;
    for (let i = 0; i < batch.length; i += 2) {
      const id = batch[i]!;
      const score = Number(batch[i + 1]);
      if (score !== lastScore) stillAtLastScore = 0;
      lastScore = score;
      stillAtLastScore += 1;
      // Same-score entries come in reverse lexical order: skip up to and including the cursor's.
      if (skipUpTo && score === skipUpTo.score && id >= skipUpTo.id) continue;
      skipUpTo = undefined;
      const status = await load(id);
      if (!status) {
        stillAtLastScore -= 1;
        continue;
      }
      if (filter.status && status.status !== filter.status) continue;
      if (filter.tool && status.tool !== filter.tool) continue;
      jobs.push(status);
      if (jobs.length === filter.limit) return { jobs, next_cursor: encodeCursor(score, id) };
    }
    if (batch.length < BATCH * 2) return { jobs, next_cursor: null };
    // Continue at the last score seen, past the entries at that score read so far.
    offset = String(lastScore) === max ? offset + stillAtLastScore : stillAtLastScore;
    max = String(lastScore);
  }
}
