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
  const jobs: JobStatus[] = [];
  let skipUpTo = after;
  for (;;) {
    const batch = await redis.zrevrangebyscore(indexKey, max, '-inf', 'WITHSCORES', 'LIMIT', 0, BATCH);
    if (batch.length === 0) return { jobs, next_cursor: null };
    let lastScore = 0;
    for (let i = 0; i < batch.length; i += 2) {
      const id = batch[i]!;
      const score = Number(batch[i + 1]);
      lastScore = score;
      // Same-score entries come in reverse lexical order: skip up to and including the cursor's.
      if (skipUpTo && score === skipUpTo.score && id >= skipUpTo.id) continue;
      skipUpTo = undefined;
      const status = await load(id);
      if (!status) continue;
      if (filter.status && status.status !== filter.status) continue;
      if (filter.tool && status.tool !== filter.tool) continue;
      jobs.push(status);
      if (jobs.length === filter.limit) return { jobs, next_cursor: encodeCursor(score, id) };
    }
    if (batch.length < BATCH * 2) return { jobs, next_cursor: null };
    // Continue below the last score seen; ties at that score are handled by the skip rule.
    const lastId = batch[batch.length - 2]!;
    skipUpTo = { score: lastScore, id: lastId };
    max = String(lastScore);
  }
}
