// Turns a BullMQ job into the public status and result. Every rule about what a client sees
// (which state is "cancelled", what progress says while queued) lives here, not in adapters.
import type { Job } from 'bullmq';
import { decodeStoredError, type StoredError } from '../errors.js';
import type { ResultStore } from '../storage/result-store.js';
import { estimateEtaSeconds } from './eta.js';
import type { HeldBack } from './owner-slots.js';
import {
  ProgressReportSchema,
  type JobData,
  type JobResult,
  type JobReturn,
  type JobStatus,
  type JobStatusName,
  type ResultFile,
} from './job-model.js';

export type BullState = Awaited<ReturnType<Job['getState']>>;
export type AnyJob = Job<JobData, JobReturn>;

const iso = (ms: number | undefined | null) => (ms ? new Date(ms).toISOString() : null);

export function jobError(job: AnyJob, state: BullState): StoredError | null {
  return state === 'failed' ? (decodeStoredError(job.failedReason) ?? null) : null;
}

export function statusNameOf(state: BullState, error: StoredError | null): JobStatusName {
  switch (state) {
    case 'active':
      return 'running';
    case 'completed':
      return 'completed';
    case 'failed':
      return error?.code === 'cancelled' ? 'cancelled' : 'failed';
    default:
      return 'queued';
  }
}

/** The status of a queued job held back by BIO_QUEUE_MAX_RUNNING_PER_OWNER (owner-slots.ts). */
export function heldBackMessage(held: HeldBack): string {
  // Below the cap only for the moment between a run's end and this job's promotion.
  if (held.running < held.cap) return `waiting: one of your running jobs just ended; your held jobs go back to the queue in turn (cap ${held.cap}, BIO_QUEUE_MAX_RUNNING_PER_OWNER)`;
  return `waiting: ${held.running} of your jobs are running, cap ${held.cap} (BIO_QUEUE_MAX_RUNNING_PER_OWNER)`;
}

/** held: set when the job waits for a running slot of its owner; it then reads as queued, not started. */
export function toJobStatus(job: AnyJob, state: BullState, queuePosition: number | null, nowMs = Date.now(), held?: HeldBack): JobStatus {
  const error = jobError(job, state);
  const status = statusNameOf(state, error);
  const report = ProgressReportSchema.safeParse(job.progress);
  let percent = 0;
  let message = 'waiting for a worker';
  let eta: number | null = null;
  if (status === 'queued') {
    if (queuePosition !== null) message = `queued, position ${queuePosition}`;
    if (job.attemptsMade > 0 && job.failedReason) {
      message = `waiting to retry (attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}) after: ${decodeStoredError(job.failedReason)?.message}`;
    }
    if (held) message = heldBackMessage(held);
  } else if (status === 'running') {
    percent = report.success ? report.data.percent : 0;
    message = report.success ? report.data.message : 'starting';
    const toolStarted = report.success && report.data.tool_started_at ? Date.parse(report.data.tool_started_at) : undefined;
    eta = estimateEtaSeconds(percent, toolStarted, nowMs);
  } else if (status === 'completed') {
    percent = 100;
    message = 'completed';
  } else {
    percent = report.success ? report.data.percent : 0;
    message = error?.message ?? status;
  }
  return {
    job_id: job.id!,
    tool: job.data.tool,
    status,
    progress: { percent, message },
    eta_seconds: eta,
    queue_position: status === 'queued' ? queuePosition : null,
    submitted_at: job.data.submitted_at,
    // A held job was taken by a worker only to be put back: it has not started.
    started_at: held && status === 'queued' ? null : iso(job.processedOn),
    finished_at: status === 'completed' || status === 'failed' || status === 'cancelled' ? iso(job.finishedOn) : null,
    attempts: job.attemptsStarted ?? job.attemptsMade,
    error,
  };
}

export function resourceUriOf(jobId: string, name: string): string {
  return `bio-mcp-queue://jobs/${jobId}/files/${encodeURIComponent(name)}`;
}

export async function toJobResult(job: AnyJob, state: BullState, store: ResultStore): Promise<JobResult> {
  const error = jobError(job, state);
  const status = statusNameOf(state, error);
  const value = status === 'completed' ? job.returnvalue : undefined;
  // Links are made on every call, so an old job's links are as fresh as a new one's.
  const files: ResultFile[] = [];
  for (const file of value?.files ?? []) {
    const link = await store.link(file);
    files.push({
      name: file.name,
      size_bytes: file.size_bytes,
      sha256: file.sha256,
      url: link.url,
      expires_at: link.expires_at,
      media_type: file.media_type,
      resource_uri: resourceUriOf(job.id!, file.name),
    });
  }
  return {
    job_id: job.id!,
    tool: job.data.tool,
    status,
    summary: value?.summary ?? null,
    files,
    command: value?.command ?? error?.command ?? null,
    steps: value?.steps ?? (value ? [{ label: 'running', pipeline: [value.command], stdout: null }] : []),
    indexes: value?.indexes ?? [],
    tool_version: value?.tool_version ?? null,
    exit_code: value?.exit_code ?? error?.exit_code ?? null,
    runtime_seconds: value?.runtime_seconds ?? null,
    notes: value?.notes ?? [],
    error,
  };
}
