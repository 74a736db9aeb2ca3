// list_jobs: the caller's jobs, newest first, a page at a time.
import { z } from 'zod';
import { JOB_STATUSES, JobPageSchema } from '../../jobs/job-model.js';
import { sessionOf } from '../mcp-session.js';
import { asToolResult, toolSuccess } from '../tool-result.js';
import { READ_ONLY, type JobTool } from './job-tool.js';

const name = 'list_jobs';
const title = 'List jobs';
const summary = 'Jobs newest first, filtered by status or tool, a page at a time.';
const description =
  'Jobs, newest first, optionally only those with a given status or tool. Pages: pass next_cursor from one answer as cursor to get the next page.';
const inputSchema = z.object({
  status: z.enum(JOB_STATUSES).optional().describe('Only jobs in this state.'),
  tool: z.string().max(64).optional().describe('Only jobs of this tool (e.g. "blastn").'),
  limit: z.number().int().min(1).max(100).default(20).describe('Jobs per page, 1-100 (default 20).'),
  cursor: z.string().max(200).optional().describe('next_cursor from the previous page.'),
});

export const listJobs: JobTool = {
  name,
  title,
  summary,
  register(server, { jobs, log }) {
    server.registerTool(name, { title, description, inputSchema, outputSchema: JobPageSchema, annotations: READ_ONLY }, (args, extra) =>
      asToolResult(log, async () => {
        const page = await jobs.list(args, sessionOf(extra).caller);
        const lines = page.jobs.map((j) => `${j.job_id} ${j.tool} ${j.status} ${j.progress.percent}% submitted ${j.submitted_at}`);
        const text = `${page.jobs.length} job(s)${page.next_cursor ? ' (more: pass next_cursor)' : ''}${lines.length ? '\n' + lines.join('\n') : ''}`;
        return toolSuccess(page, text);
      }),
    );
  },
};
