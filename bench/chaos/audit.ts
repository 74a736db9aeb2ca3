// What the run left, read after every job has ended: the jobs in Redis (each found by the marker
// in its data, so a second job for one submission shows), each job's publications (the worker's
// "result published" line, logged by the one attempt whose result won publish-once.ts's commit;
// a later attempt's files are discarded and show as leftovers if not), the files left in the data dir,
// and tool processes still alive.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { processesUnder, type LiveProcess } from './proc-scan.js';
import { markerIn } from './workload.js';
import { allIndexKeys } from '../../src/jobs/job-index.js';
import { jobKeys } from '../../src/jobs/job-keys.js';

export interface StoredJob {
  jobId: string;
  marker: string | undefined;
  /** BullMQ's own answer: completed, failed, or neither (waiting, active, delayed, gone). */
  state: 'completed' | 'failed' | 'other' | 'missing';
  /** Base names of the stored files its return value lists (completed jobs): a retry's are `attempt<n>.<name>`. */
  files: string[];
}

export interface RedisAudit {
  jobs: Map<string, StoredJob>;
  /** marker → the ids of every job that carries it. */
  byMarker: Map<string, string[]>;
  /** Index entries whose job is gone: a submission whose add failed after the index write. */
  danglingIndex: number;
}

export async function auditRedis(redisUrl: string, prefix: string, runId: string): Promise<RedisAudit> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    // Every index the listing reads (job-index.ts); a job is in one of them.
    const ids = (await Promise.all((await allIndexKeys(redis, jobKeys(prefix))).map((key) => redis.zrange(key, '0', '-1')))).flat();
    const jobs = new Map<string, StoredJob>();
    const byMarker = new Map<string, string[]>();
    let danglingIndex = 0;
    for (let i = 0; i < ids.length; i += 200) {
      const batch = ids.slice(i, i + 200);
      const pipe = redis.pipeline();
      for (const id of batch) {
        const queue = id.split('-')[0]!;
        pipe.hmget(`${prefix}:${queue}:${id}`, 'data', 'returnvalue');
        pipe.zscore(`${prefix}:${queue}:completed`, id);
        pipe.zscore(`${prefix}:${queue}:failed`, id);
      }
      const replies = (await pipe.exec())!;
      batch.forEach((jobId, j) => {
        const [data, returnvalue] = replies[3 * j]![1] as [string | null, string | null];
        const completed = replies[3 * j + 1]![1] as string | null;
        const failed = replies[3 * j + 2]![1] as string | null;
        if (data === null) {
          danglingIndex += 1;
          jobs.set(jobId, { jobId, marker: undefined, state: 'missing', files: [] });
          return;
        }
        const marker = markerIn(data, runId);
        let files: string[] = [];
        if (returnvalue) {
          const parsed = JSON.parse(returnvalue) as { files?: { key: string }[] } | null;
          files = (parsed?.files ?? []).map((f) => path.posix.basename(f.key));
        }
        jobs.set(jobId, { jobId, marker, state: completed !== null ? 'completed' : failed !== null ? 'failed' : 'other', files });
        if (marker) byMarker.set(marker, [...(byMarker.get(marker) ?? []), jobId]);
      });
    }
    return { jobs, byMarker, danglingIndex };
  } finally {
    redis.disconnect();
  }
}

export interface LogAudit {
  /** jobId → the attempts that logged "result published": "<log file>#<attempt>". */
  publications: Map<string, string[]>;
  /** Lines logged at error level or worse, per role, with a few examples. */
  errors: Map<string, { count: number; examples: string[] }>;
}

const PUBLISHED_MESSAGE = 'result published';

export async function auditLogs(logFiles: readonly string[]): Promise<LogAudit> {
  const publications = new Map<string, string[]>();
  const errors = new Map<string, { count: number; examples: string[] }>();
  for (const file of logFiles) {
    const role = path.basename(file).split('-')[0]!;
    const text = await fs.readFile(file, 'utf8');
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      let entry: { level?: number; msg?: string; jobId?: string; attempt?: number; time?: number; err?: { message?: string } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue; // a line cut short by a SIGKILL
      }
      if (entry.msg === PUBLISHED_MESSAGE && entry.jobId) {
        const by = `${path.basename(file, '.log')} attempt ${entry.attempt ?? '?'} at ${entry.time ? new Date(entry.time).toISOString().slice(11, 23) : '?'}`;
        publications.set(entry.jobId, [...(publications.get(entry.jobId) ?? []), by]);
      }
      if ((entry.level ?? 0) >= 50) {
        const e = errors.get(role) ?? { count: 0, examples: [] };
        e.count += 1;
        const example = `${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`.slice(0, 200);
        if (e.examples.length < 3 && !e.examples.includes(example)) e.examples.push(example);
        errors.set(role, e);
      }
    }
  }
  return { publications, errors };
}

export interface Leftover {
  area: 'work' | 'inputs' | 'uploads' | 'results' | 'other';
  path: string;
}

async function entries(dir: string): Promise<string[]> {
  return fs.readdir(dir).catch(() => []);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = await filesUnder(p);
      out.push(...(inner.length > 0 ? inner : [`${p}/`]));
    } else out.push(p);
  }
  return out;
}

/**
 * Everything in the data dir beyond the results of completed jobs: job work dirs (in any
 * worker's folder, live or dead), staged inputs, uploads, result files of jobs that did not
 * complete or that their result does not list, and anything else.
 */
export async function auditLeftovers(dataDir: string, jobs: ReadonlyMap<string, StoredJob>, liveWorkerFolders: ReadonlySet<string>): Promise<Leftover[]> {
  const left: Leftover[] = [];
  const rel = (p: string) => path.relative(dataDir, p);
  const work = path.join(dataDir, 'work');
  for (const folder of await entries(work)) {
    const p = path.join(work, folder);
    if (!liveWorkerFolders.has(folder)) {
      left.push({ area: 'work', path: `${rel(p)}/ (folder of a dead worker)` });
      continue;
    }
    for (const jobDir of await entries(p)) {
      // A job still running at the deadline is counted as lost, not its work dir as left over.
      if (!stillRunning(jobs, jobDir)) left.push({ area: 'work', path: rel(path.join(p, jobDir)) });
    }
  }
  for (const area of ['inputs', 'uploads'] as const) {
    for (const file of await filesUnder(path.join(dataDir, area))) left.push({ area, path: rel(file) });
  }
  const results = path.join(dataDir, 'results');
  for (const jobId of await entries(results)) {
    const job = jobs.get(jobId);
    const listed = new Set(job?.state === 'completed' ? job.files : []);
    for (const file of await filesUnder(path.join(results, jobId))) {
      if (!listed.has(path.basename(file))) left.push({ area: 'results', path: `${rel(file)}${job ? ` (job ${job.state})` : ' (no such job)'}` });
    }
  }
  const known = new Set(['work', 'inputs', 'uploads', 'results', 'link-secret']);
  for (const name of await entries(dataDir)) {
    if (!known.has(name)) left.push({ area: 'other', path: name });
  }
  return left;
}

// Work dirs are named "<job id>-XXXXXX" (worker/process-job.ts).
function stillRunning(jobs: ReadonlyMap<string, StoredJob>, jobDir: string): boolean {
  return jobs.get(jobDir.slice(0, jobDir.lastIndexOf('-')))?.state === 'other';
}

/**
 * Tool processes still alive under the data dir once the clients are done: all of them, but
 * those of a job still running at the deadline in a live worker's folder.
 */
export async function auditProcesses(dataDir: string, ownPids: ReadonlySet<number>, jobs: ReadonlyMap<string, StoredJob>, liveWorkerFolders: ReadonlySet<string>): Promise<LiveProcess[]> {
  const work = path.join(dataDir, 'work');
  return (await processesUnder(dataDir)).filter((p) => {
    if (ownPids.has(p.pid)) return false;
    const [folder, jobDir] = path.relative(work, p.cwd).split(path.sep);
    return !(folder && jobDir && liveWorkerFolders.has(folder) && stillRunning(jobs, jobDir));
  });
}
