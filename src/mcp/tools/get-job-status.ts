// get_job_status: where a job stands, cheap enough to call whenever the user asks.
import { z } from 'zod';
import { StatusSchema } from '../../jobs/job-model.js';
import { statusText } from '../format-text.js';
import { sessionOf } from '../mcp-session.js';
import { asToolResult, toolSuccess } from '../tool-result.js';
import { JobIdArg, READ_ONLY, type JobTool } from './job-tool.js';

const name = 'get_job_status';
const title = 'Job status and progress';
const summary = 'State of a job: queue position, percent done with an ETA, or why it failed.';
const description =
  'Status of a job: queued (with its queue position), running (percent done, a progress message and an ETA in seconds), completed, failed (with the reason) or cancelled. Cheap: call it whenever the user asks how a job is going.';
const inputSchema = z.object({ job_id: JobIdArg });

export const getJobStatus: JobTool = {
  name,
  title,
  summary,
  register(server, { jobs, log }) {
    server.registerTool(name, { title, description, inputSchema, outputSchema: StatusSchema, annotations: READ_ONLY }, ({ job_id }, extra) =>
      asToolResult(log, async () => {
        const status = await jobs.status(job_id, sessionOf(extra).caller);
        return toolSuccess(status, statusText(status));
      }),
    );
  },
};
