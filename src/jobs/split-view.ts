// A split-query search's public status and result, read off its parts' jobs (worker/split-search.ts):
// percent over all parts weighted by their query letters, each part's state, an ETA, and — when a
// part failed or was cancelled — the search's end at once, naming the part, without waiting for
// BullMQ to carry the failure up to the parent. Until its worker has split the query, the search
// is its own job: queued, or "splitting the query".
import type { ResultStore } from '../storage/result-store.js';
import { estimateEtaSeconds } from './eta.js';
import type { JobResult, JobStatus, PipelineStepStatus } from './job-model.js';
import { toJobResult, toJobStatus, type AnyJob, type BullState } from './job-view.js';
import { removedChildStatus } from './pipeline-view.js';

/** One part's job as read from its queue; job is undefined once removed. */
export interface PartSnapshot {
  job_id: string;
  letters: number;
  job: AnyJob | undefined;
  state: BullState | undefined;
  /** Once the job is removed: whether it had published a result (completed, then removed by age). */
  published?: boolean | undefined;
}

const ENDED_BADLY = new Set(['failed', 'cancelled']);

export function toSplitStatus(root: AnyJob, rootState: BullState, parts: readonly PartSnapshot[], queuePosition: number | null, nowMs = Date.now()): JobStatus {
  const own = toJobStatus(root, rootState, queuePosition, nowMs);
  if (parts.length === 0) return own;
  const n = parts.length;
  // Completed: every part did (whatever retention has removed of them since).
  if (own.status === 'completed') return { ...own, steps: parts.map((p, i) => ({ step: i, tool: root.data.tool, job_id: p.job_id, status: 'completed', percent: 100 })) };
  const partStatuses = parts.map((p) => (p.job && p.state ? toJobStatus(p.job, p.state, null, nowMs) : undefined));
  const rows: PipelineStepStatus[] = parts.map((p, i) => {
    const s = partStatuses[i];
    if (!s) return { step: i, tool: root.data.tool, job_id: p.job_id, ...removedChildStatus(p.published, rootState) };
    return { step: i, tool: root.data.tool, job_id: p.job_id, status: s.status, percent: s.progress.percent };
  });
  const totalLetters = parts.reduce((sum, p) => sum + p.letters, 0) || 1;
  const done = parts.reduce((sum, p, i) => sum + p.letters * (rows[i]!.status === 'completed' ? 100 : rows[i]!.status === 'running' ? rows[i]!.percent : 0), 0);
  const percent = Math.min(99, Math.round((done / totalLetters) * 10) / 10);
  const firstStarted = partStatuses.map((s) => s?.started_at).filter((t): t is string => typeof t === 'string').sort()[0] ?? null;
  const base = { ...own, steps: rows, started_at: own.started_at ?? firstStarted, attempts: Math.max(own.attempts, ...partStatuses.map((s) => s?.attempts ?? 0)) };

  // A part that failed is the cause; the others were stopped because of it (worker/split-search.ts).
  const failedIndex = rows.findIndex((r) => r.status === 'failed');
  const badIndex = failedIndex >= 0 ? failedIndex : rows.findIndex((r) => ENDED_BADLY.has(r.status));
  if (badIndex >= 0) {
    const bad = partStatuses[badIndex];
    const row = rows[badIndex]!;
    const status = row.status === 'cancelled' || own.status === 'cancelled' ? 'cancelled' : 'failed';
    const cause = bad?.error ?? { code: 'cancelled', message: 'cancelled before it started' };
    const message = status === 'cancelled' ? `cancelled in part ${badIndex + 1} of ${n}: ${cause.message}` : `part ${badIndex + 1} of ${n} failed: ${cause.message}`;
    const error = { ...cause, message };
    return { ...base, status, progress: { percent, message }, eta_seconds: null, queue_position: null, finished_at: bad?.finished_at ?? own.finished_at ?? new Date(nowMs).toISOString(), error };
  }
  // The search's own job failed with every part fine: merging failed.
  if (own.status === 'failed' || own.status === 'cancelled') return { ...base, progress: { percent, message: own.progress.message } };

  const completed = rows.filter((r) => r.status === 'completed').length;
  const running = rows.filter((r) => r.status === 'running').length;
  if (completed === n) return { ...base, status: 'running', progress: { percent: 99, message: `merging the outputs of ${n} parts` }, queue_position: null, eta_seconds: null, finished_at: null, error: null };
  if (firstStarted === null) return { ...base, status: 'queued', progress: { percent: 0, message: `split into ${n} parts, waiting for workers` }, queue_position: null, eta_seconds: null };
  return {
    ...base,
    status: 'running',
    progress: { percent, message: `${completed} of ${n} parts done, ${running} running` },
    queue_position: null,
    eta_seconds: estimateEtaSeconds(percent, Date.parse(firstStarted), nowMs),
    finished_at: null,
    error: null,
  };
}

export async function toSplitResult(root: AnyJob, rootState: BullState, parts: readonly PartSnapshot[], store: ResultStore): Promise<JobResult> {
  const status = toSplitStatus(root, rootState, parts, null);
  const own = await toJobResult(root, rootState, store);
  if (status.status === 'completed') return own;
  return { ...own, status: status.status, error: status.error, command: status.error?.command ?? own.command };
}
