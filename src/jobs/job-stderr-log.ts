// The live stderr of a job's tool, carried from the worker to the servers whose clients follow
// the job (wait_for_job sends the lines as MCP log messages). A Redis stream per job, small and
// bounded on purpose: the last STDERR_LOG_MAX_LINES lines, each cut to STDERR_LINE_MAX_CHARS,
// gone STDERR_LOG_TTL_MS after the last line was written. It is a view for people watching a
// run, not a record: the stderr a result keeps is the tool's own log file (Step.stderr).
import type { Redis } from 'ioredis';
import type { JobKeys } from './job-keys.js';

export const STDERR_LOG_MAX_LINES = 100;
export const STDERR_LINE_MAX_CHARS = 500;
export const STDERR_LOG_TTL_MS = 60 * 60 * 1000;
/** Where a follower starts: before the first line. */
export const STDERR_LOG_START = '0-0';

/** Appends lines (already split, without line ends) to a job's stream; older ones fall off the end. */
export async function appendStderrLines(redis: Redis, keys: JobKeys, jobId: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const key = keys.stderrLog(jobId);
  const batch = redis.multi();
  for (const line of lines.slice(-STDERR_LOG_MAX_LINES)) {
    batch.xadd(key, 'MAXLEN', '~', String(STDERR_LOG_MAX_LINES), '*', 'line', line.slice(0, STDERR_LINE_MAX_CHARS));
  }
  batch.pexpire(key, STDERR_LOG_TTL_MS);
  await batch.exec();
}

export interface StderrLines {
  lines: string[];
  /** Pass it as `after` to read on from the last line returned. */
  cursor: string;
}

/** The lines after `after` (a cursor from an earlier read, or STDERR_LOG_START), oldest first. */
export async function readStderrLines(redis: Redis, keys: JobKeys, jobId: string, after: string): Promise<StderrLines> {
  const entries = await redis.xrange(keys.stderrLog(jobId), `(${after}`, '+', 'COUNT', STDERR_LOG_MAX_LINES);
  const lines = entries.map(([, fields]) => fields[1] ?? '');
  return { lines, cursor: entries.length > 0 ? entries[entries.length - 1]![0] : after };
}
