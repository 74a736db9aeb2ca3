// What argument completion offers, shared by the prompts and the resource templates: the names
// list_databases shows, the caller's own job ids (JobService scopes every read by the Caller, so
// another owner's job is never offered), a job's file names, and the tools a job can run.
// Matching is by prefix, case-insensitive; the SDK caps an answer at 100 values and says how many
// matched in all.
import { BioQueueError } from '../errors.js';
import type { Caller } from '../jobs/caller.js';
import type { JobStatusName } from '../jobs/job-model.js';
import type { JobsApi } from '../jobs/job-service.js';
import { catalog } from '../../tools/index.js';
import { pipelines } from '../../tools/pipelines.js';

/** Jobs read while completing a job id: the newest this many, so a keystroke stays cheap. */
export const JOBS_SCANNED = 500;
const BATCH = 100;

const startsWith = (prefix: string) => (candidate: string) => candidate.toLowerCase().startsWith(prefix.toLowerCase());

/** Names of the databases tools can use, optionally only those of some kinds (e.g. BLAST's). */
export async function completeDatabaseNames(jobs: JobsApi, prefix: string, kinds?: (kind: string) => boolean): Promise<string[]> {
  const { databases } = await jobs.databases();
  return databases.filter((d) => !kinds || kinds(d.kind)).map((d) => d.name).filter(startsWith(prefix));
}

/** The caller's job ids, newest first, optionally only those in one state. */
export async function completeJobIds(jobs: JobsApi, caller: Caller, prefix: string, status?: JobStatusName): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let scanned = 0; scanned < JOBS_SCANNED; scanned += BATCH) {
    const page = await jobs.list({ limit: BATCH, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) }, caller);
    ids.push(...page.jobs.map((j) => j.job_id).filter(startsWith(prefix)));
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return ids;
}

/** A completed job's output file names; nothing for a job the caller cannot see or that has no files yet. */
export async function completeFileNames(jobs: JobsApi, caller: Caller, jobId: string | undefined, prefix: string): Promise<string[]> {
  if (!jobId) return [];
  try {
    const result = await jobs.result(jobId, caller);
    return result.files.map((f) => f.name).filter(startsWith(prefix));
  } catch (err) {
    // A job id still being typed names no job: offer nothing rather than fail the keystroke.
    if (err instanceof BioQueueError && err.code === 'not_found') return [];
    throw err;
  }
}

/** Every catalog tool and pipeline a job can run, by its catalog name (blastn, align_and_call_variants, …). */
export const TOOL_NAMES: readonly string[] = Object.freeze([...catalog, ...pipelines].map((t) => t.name));

export function completeToolNames(prefix: string): string[] {
  return TOOL_NAMES.filter(startsWith(prefix));
}
