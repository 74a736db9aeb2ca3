// A pipeline's public status and result, read off its steps' jobs: each step's state, the
// overall percent (steps weighted by their expected share of the run), an ETA, and — when a step
// failed or was cancelled — the pipeline's end at once, naming that step, without waiting for
// BullMQ to carry the failure up the chain of parents (which takes a worker of each later step's
// queue). The lowest failed step is the cause: later steps fail only because it did, and show as
// cancelled (skipped, never run).
import type { ResultStore } from '../storage/result-store.js';
import { estimateEtaSeconds } from './eta.js';
import type { JobResult, JobStatus, PipelineStepResult, PipelineStepStatus } from './job-model.js';
import { toJobResult, toJobStatus, type AnyJob, type BullState } from './job-view.js';
import type { HeldBack } from './owner-slots.js';

/** One step's job as read from its queue; job is undefined once removed. */
export interface StepSnapshot {
  tool: string;
  job_id: string;
  weight: number;
  job: AnyJob | undefined;
  state: BullState | undefined;
  /** Once the job is removed: whether it had published a result (completed, then removed by age). */
  published?: boolean | undefined;
  /** Set while the step waits for a running slot of its owner (BIO_QUEUE_MAX_RUNNING_PER_OWNER). */
  held?: HeldBack | undefined;
}

const ENDED_BADLY = new Set(['failed', 'cancelled']);

/**
 * A child job no longer in its queue. Removing a cancelled parent removes its children with it,
 * so while the parent is still to end, only a child that completed can be gone: removed by age
 * (retention shorter than a long pipeline). Once the parent has ended, a child's published
 * result says it completed; without one it was removed unrun.
 */
export function removedChildStatus(published: boolean | undefined, rootState: BullState): Pick<PipelineStepStatus, 'status' | 'percent'> {
  const rootEnded = rootState === 'completed' || rootState === 'failed';
  return published || !rootEnded ? { status: 'completed', percent: 100 } : { status: 'cancelled', percent: 0 };
}

export function toPipelineStatus(root: AnyJob, rootState: BullState, steps: readonly StepSnapshot[], queuePosition: number | null, nowMs = Date.now()): JobStatus {
  const own = toJobStatus(root, rootState, null, nowMs);
  const stepStatuses = steps.map((step) => (step.job && step.state ? toJobStatus(step.job, step.state, null, nowMs, step.held) : undefined));
  const rows: PipelineStepStatus[] = steps.map((step, i) => {
    const s = stepStatuses[i];
    if (!s) return { step: i, tool: step.tool, job_id: step.job_id, ...removedChildStatus(step.published, rootState) };
    return { step: i, tool: step.tool, job_id: step.job_id, status: s.status, percent: s.progress.percent };
  });
  const totalWeight = steps.reduce((n, s) => n + s.weight, 0) || 1;
  const done = steps.reduce((n, s, i) => n + (s.weight * (rows[i]!.status === 'completed' ? 100 : rows[i]!.status === 'running' ? rows[i]!.percent : 0)), 0);
  const percent = own.status === 'completed' ? 100 : Math.min(99, Math.round((done / totalWeight) * 10) / 10);
  const firstStarted = stepStatuses.find((s) => s?.started_at)?.started_at ?? null;
  const base = { ...own, steps: rows, started_at: firstStarted, attempts: Math.max(own.attempts, ...stepStatuses.map((s) => s?.attempts ?? 0)) };

  if (own.status === 'completed') return { ...base, progress: { percent: 100, message: 'completed' }, queue_position: null, eta_seconds: null };
  const badIndex = rows.findIndex((r) => ENDED_BADLY.has(r.status));
  if (badIndex >= 0) {
    // The steps after it never run (BullMQ fails them unrun as the failure goes up the chain): skipped.
    for (const row of rows.slice(badIndex + 1)) if (row.status !== 'completed') Object.assign(row, { status: 'cancelled', percent: 0 });
    const bad = stepStatuses[badIndex];
    const step = rows[badIndex]!;
    const status = step.status === 'cancelled' || own.status === 'cancelled' ? 'cancelled' : 'failed';
    const cause = bad?.error ?? { code: 'cancelled', message: 'cancelled before it started' };
    const message = status === 'cancelled' ? `cancelled in step ${badIndex} (${step.tool}): ${cause.message}` : `step ${badIndex} (${step.tool}) failed: ${cause.message}`;
    const error = { ...cause, message, ...(cause.field !== undefined ? { field: `steps.${badIndex}.parameters.${cause.field}` } : {}) };
    return {
      ...base,
      status,
      progress: { percent, message },
      eta_seconds: null,
      queue_position: null,
      finished_at: bad?.finished_at ?? own.finished_at ?? new Date(nowMs).toISOString(),
      error,
    };
  }
  // The pipeline's own job failed with every step fine: gathering the results failed.
  if (own.status === 'failed' || own.status === 'cancelled') return { ...base, progress: { percent, message: own.progress.message } };

  const current = rows.findIndex((r) => r.status !== 'completed');
  const started = firstStarted !== null;
  if (!started) {
    const heldFirst = steps[0]?.held ? stepStatuses[0]?.progress.message : undefined;
    const message = heldFirst ?? (queuePosition !== null ? `queued, position ${queuePosition}` : 'waiting for a worker');
    return { ...base, status: 'queued', progress: { percent: 0, message }, queue_position: queuePosition, eta_seconds: null };
  }
  const n = rows.length;
  const message =
    current < 0
      ? 'gathering the steps\' results'
      : `step ${current} of ${n} (${rows[current]!.tool}): ${stepStatuses[current]?.progress.message ?? 'waiting for a worker'}`;
  return {
    ...base,
    status: 'running',
    progress: { percent, message },
    queue_position: null,
    eta_seconds: estimateEtaSeconds(percent, Date.parse(firstStarted), nowMs),
    finished_at: null,
    error: null,
  };
}

export async function toPipelineResult(root: AnyJob, rootState: BullState, steps: readonly StepSnapshot[], store: ResultStore): Promise<JobResult> {
  const status = toPipelineStatus(root, rootState, steps, null);
  const own = await toJobResult(root, rootState, store);
  if (status.status === 'completed') {
    const pipelineSteps = root.returnvalue?.pipeline_steps ?? [];
    const finals = new Set(pipelineSteps.at(-1)?.files ?? []);
    return { ...own, files: own.files.map((f) => ({ ...f, intermediate: !finals.has(f.name) })), pipeline_steps: pipelineSteps };
  }
  // Not completed: what the steps that did complete made, for a look at where it went wrong.
  const pipelineSteps: PipelineStepResult[] = [];
  for (const [i, step] of steps.entries()) {
    const value = step.state === 'completed' ? step.job?.returnvalue : undefined;
    if (!value) continue;
    pipelineSteps.push({
      step: i,
      tool: step.tool,
      job_id: step.job_id,
      summary: value.summary,
      command: value.command,
      steps: value.steps ?? [],
      tool_version: value.tool_version,
      runtime_seconds: value.runtime_seconds,
      files: value.files.map((f) => f.name),
    });
  }
  return { ...own, status: status.status, error: status.error, summary: null, files: [], command: status.error?.command ?? null, pipeline_steps: pipelineSteps };
}
