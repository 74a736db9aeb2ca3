// The tools that follow a job after submission, plus list_databases and queue_stats.
// Each parses its arguments (the SDK does, from these schemas), calls JobService, formats.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { JobService } from '../jobs/job-service.js';
import type { Caller } from '../jobs/caller.js';
import { JOB_STATUSES, JobPageSchema, QueueStatsListSchema, ResultSchema, StatusSchema, type JobStatus } from '../jobs/job-model.js';
import { asToolResult, toolSuccess } from './tool-result.js';
import { formatDuration, resultText, statusText } from './format-text.js';

const jobId = z.string().min(1, { message: 'must not be empty' }).max(100).describe('The job_id a *_async tool returned.');
const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

const DatabaseSchema = z.object({
  name: z.string(),
  dbtype: z.enum(['nucl', 'prot']),
  title: z.string(),
  sequences: z.number(),
  letters: z.number(),
});

/** Title and one-line summary of each job tool: the registration below and the README use these. */
export const JOB_TOOL_SUMMARIES = {
  get_job_status: { title: 'Job status and progress', summary: 'State of a job: queue position, percent done with an ETA, or why it failed.' },
  get_job_result: { title: 'Job result: summary and download links', summary: 'Summary of a finished job (for BLAST: hit count and top hits), its files with sha256 and links, the exact command and tool version.' },
  wait_for_job: { title: 'Wait for a job to finish', summary: 'Blocks until the job ends or a timeout under a minute passes, sending progress notifications meanwhile.' },
  cancel_job: { title: 'Cancel a job', summary: 'Removes a queued job, or stops a running one and every process its tool started.' },
  list_jobs: { title: 'List jobs', summary: 'Jobs newest first, filtered by status or tool, a page at a time.' },
  list_databases: { title: 'List BLAST databases', summary: 'The BLAST databases searches can use by name, with type, title, sequence and letter counts.' },
  queue_stats: { title: 'Queue statistics', summary: 'Per queue: jobs queued, running, completed, failed and delayed, and the workers serving it.' },
} as const;

export function registerJobTools(server: McpServer, jobs: JobService, caller: Caller, config: Config, log: Logger): void {
  server.registerTool(
    'get_job_status',
    {
      title: JOB_TOOL_SUMMARIES.get_job_status.title,
      description:
        'Status of a job: queued (with its queue position), running (percent done, a progress message and an ETA in seconds), completed, failed (with the reason) or cancelled. Cheap: call it whenever the user asks how a job is going.',
      inputSchema: z.object({ job_id: jobId }),
      outputSchema: StatusSchema,
      annotations: readOnly,
    },
    ({ job_id }) =>
      asToolResult(log, async () => {
        const status = await jobs.status(job_id, caller);
        return toolSuccess(status, statusText(status));
      }),
  );

  server.registerTool(
    'get_job_result',
    {
      title: JOB_TOOL_SUMMARIES.get_job_result.title,
      description:
        'Result of a finished job: a tool-specific summary (for BLAST: hit_count, queries_with_hits and the top 10 hits), every output file with its size, sha256 and a download URL, the exact command line, the tool version, exit code and run time. ' +
        'Output files can also be read page by page as MCP resources (resource_uri). For a job that has not finished it returns its current status.',
      inputSchema: z.object({ job_id: jobId }),
      outputSchema: ResultSchema,
      annotations: readOnly,
    },
    ({ job_id }) =>
      asToolResult(log, async () => {
        const result = await jobs.result(job_id, caller);
        return toolSuccess(result, resultText(result));
      }),
  );

  const defaultWait = Math.min(25, config.waitMaxSeconds);
  server.registerTool(
    'wait_for_job',
    {
      title: JOB_TOOL_SUMMARIES.wait_for_job.title,
      description:
        `Block until the job finishes or timeout_seconds pass (default ${defaultWait}, at most ${config.waitMaxSeconds}: MCP clients cut calls off at about a minute), then return its status with timed_out. ` +
        'Sends progress notifications while waiting when the call carries a progress token. Call again to keep waiting; call get_job_result once it has completed.',
      inputSchema: z.object({
        job_id: jobId,
        timeout_seconds: z
          .number()
          .positive({ message: 'must be greater than 0' })
          .max(config.waitMaxSeconds, { message: `must be at most ${config.waitMaxSeconds}` })
          .default(defaultWait)
          .describe(`Longest time to wait, in seconds (default ${defaultWait}, at most ${config.waitMaxSeconds}).`),
      }),
      outputSchema: StatusSchema.extend({ timed_out: z.boolean() }),
      annotations: readOnly,
    },
    ({ job_id, timeout_seconds }, extra) =>
      asToolResult(log, async () => {
        const token = extra._meta?.progressToken;
        // MCP wants each notification's progress above the last one: send only on increases.
        let sent = -1;
        const notify = async (s: JobStatus) => {
          if (token === undefined || s.progress.percent <= sent) return;
          sent = s.progress.percent;
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: s.progress.percent, total: 100, message: statusText(s) },
          });
        };
        const { status, timed_out } = await jobs.wait(job_id, caller, timeout_seconds, notify, extra.signal);
        // The SDK's client handles notifications a tick after a response read in the same chunk,
        // by when the request's progress handler is gone: give the last one a head start.
        if (token !== undefined && sent === status.progress.percent) await new Promise((r) => setTimeout(r, 20));
        const text = timed_out ? `Still ${status.status} after ${formatDuration(timeout_seconds)}. ${statusText(status)}` : statusText(status);
        return toolSuccess({ ...status, timed_out }, text);
      }),
  );

  server.registerTool(
    'cancel_job',
    {
      title: JOB_TOOL_SUMMARIES.cancel_job.title,
      description:
        'Cancel a job: a queued job is removed from its queue; a running one is stopped (its tool and every process it started are killed) and its partial outputs are discarded. A finished job is left as it is. Returns the status after the cancel.',
      inputSchema: z.object({ job_id: jobId }),
      outputSchema: StatusSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ job_id }) =>
      asToolResult(log, async () => {
        const status = await jobs.cancel(job_id, caller);
        return toolSuccess(status, statusText(status));
      }),
  );

  server.registerTool(
    'list_jobs',
    {
      title: JOB_TOOL_SUMMARIES.list_jobs.title,
      description:
        'Jobs, newest first, optionally only those with a given status or tool. Pages: pass next_cursor from one answer as cursor to get the next page.',
      inputSchema: z.object({
        status: z.enum(JOB_STATUSES).optional().describe('Only jobs in this state.'),
        tool: z.string().max(64).optional().describe('Only jobs of this tool (e.g. "blastn").'),
        limit: z.number().int().min(1).max(100).default(20).describe('Jobs per page, 1-100 (default 20).'),
        cursor: z.string().max(200).optional().describe('next_cursor from the previous page.'),
      }),
      outputSchema: JobPageSchema,
      annotations: readOnly,
    },
    (args) =>
      asToolResult(log, async () => {
        const page = await jobs.list(args, caller);
        const lines = page.jobs.map((j) => `${j.job_id} ${j.tool} ${j.status} ${j.progress.percent}% submitted ${j.submitted_at}`);
        const text = `${page.jobs.length} job(s)${page.next_cursor ? ' (more: pass next_cursor)' : ''}${lines.length ? '\n' + lines.join('\n') : ''}`;
        return toolSuccess(page, text);
      }),
  );

  server.registerTool(
    'list_databases',
    {
      title: JOB_TOOL_SUMMARIES.list_databases.title,
      description:
        'The BLAST databases that searches can use by name, with their type (nucl or prot), title, number of sequences and total letters. Build new ones with make_blast_db_async.',
      inputSchema: z.object({}),
      outputSchema: z.object({ databases: z.array(DatabaseSchema) }),
      annotations: readOnly,
    },
    () =>
      asToolResult(log, async () => {
        const databases = (await jobs.databases()).map(({ name, dbtype, title, sequences, letters }) => ({ name, dbtype, title, sequences, letters }));
        const text = databases.length
          ? databases.map((d) => `${d.name} (${d.dbtype}, ${d.sequences} sequences, ${d.letters} letters): ${d.title}`).join('\n')
          : 'No databases yet: build one with make_blast_db_async.';
        return toolSuccess({ databases }, text);
      }),
  );

  server.registerTool(
    'queue_stats',
    {
      title: JOB_TOOL_SUMMARIES.queue_stats.title,
      description: 'For each queue: how many jobs are queued, running, completed, failed and delayed (waiting to retry), and how many workers serve it.',
      inputSchema: z.object({}),
      outputSchema: QueueStatsListSchema,
      annotations: readOnly,
    },
    () =>
      asToolResult(log, async () => {
        const queues = await jobs.stats();
        const text = queues
          .map((q) => `${q.queue}: ${q.counts.queued} queued, ${q.counts.running} running, ${q.counts.completed} completed, ${q.counts.failed} failed, ${q.workers} worker(s)`)
          .join('\n');
        return toolSuccess({ queues }, text);
      }),
  );
}
