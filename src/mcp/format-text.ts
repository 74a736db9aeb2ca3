// Short texts for clients that read only text content: one or two lines an assistant can
// repeat to a person as they are.
import type { JobResult, JobStatus, Submission } from '../jobs/job-model.js';

export function submissionText(s: Submission): string {
  const where = `${s.tool} on the ${s.queue} queue, priority ${s.priority}`;
  // A repeated idempotency_key answers with the job it made, which may have moved on since.
  const state = s.status === 'queued' ? `queued (${where})` : `${s.status} (${where}; submitted before with this idempotency_key)`;
  return `Job ${s.job_id} ${state}. Check it with get_job_status or wait_for_job.`;
}

export function statusText(s: JobStatus): string {
  const parts = [`Job ${s.job_id} (${s.tool}): ${s.status}`];
  if (s.status === 'running') parts.push(`${s.progress.percent}% — ${s.progress.message}`);
  else if (s.status === 'queued') parts.push(s.progress.message);
  if (s.eta_seconds !== null) parts.push(`about ${formatDuration(s.eta_seconds)} left`);
  if (s.error) parts.push(`error: ${s.error.message}`);
  if (s.status === 'completed') parts.push('get_job_result has the summary and download links');
  return parts.join('; ') + '.';
}

export function resultText(r: JobResult): string {
  if (r.status !== 'completed') {
    return `Job ${r.job_id} is ${r.status}${r.error ? `: ${r.error.message}` : ''}.`;
  }
  const lines = [`Job ${r.job_id} (${r.tool}) completed in ${r.runtime_seconds} s.`];
  for (const note of r.notes) lines.push(`Note: ${note}`);
  if (r.summary) lines.push(`Summary: ${JSON.stringify(r.summary)}`);
  for (const f of r.files) lines.push(`File ${f.name} (${f.size_bytes} bytes, sha256 ${f.sha256}): ${f.url}`);
  return lines.join('\n');
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
