// What a notification says: the job's end as its status reads, in a few fields, and where to
// read more. Nothing secret goes in it (no API key, no signed download link): the links need the
// receiver's own credentials, as any client's calls do.
import { z } from 'zod';
import type { JobStatus } from './job-model.js';

export const NotificationSchema = z.object({
  event: z.enum(['job.completed', 'job.failed', 'job.cancelled']),
  job_id: z.string(),
  tool: z.string(),
  status: z.enum(['completed', 'failed', 'cancelled']),
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).nullable(),
  submitted_at: z.string(),
  finished_at: z.string().nullable(),
  links: z.object({
    /** REST status and result of the job; null where no HTTP server is known (stdio). */
    status: z.string().nullable(),
    result: z.string().nullable(),
    /** The MCP resource of the job's status. */
    resource: z.string(),
  }),
});
export type Notification = z.infer<typeof NotificationSchema>;

export type EndedStatus = JobStatus & { status: Notification['status'] };

/** Whether the status is an end a notification announces. */
export function hasEnded(status: JobStatus): status is EndedStatus {
  return status.status === 'completed' || status.status === 'failed' || status.status === 'cancelled';
}

/** The body for a job that has ended; publicUrl: where `serve` is reached, for the REST links. */
export function notificationBody(status: EndedStatus, publicUrl: string | undefined): Notification {
  const rest = (what: string) => (publicUrl === undefined ? null : `${publicUrl}/jobs/${encodeURIComponent(status.job_id)}/${what}`);
  return {
    event: `job.${status.status}`,
    job_id: status.job_id,
    tool: status.tool,
    status: status.status,
    error: status.error ? { code: status.error.code, message: status.error.message, ...(status.error.field ? { field: status.error.field } : {}) } : null,
    submitted_at: status.submitted_at,
    finished_at: status.finished_at,
    links: { status: rest('status'), result: rest('result'), resource: `bio-mcp-queue://jobs/${status.job_id}` },
  };
}
