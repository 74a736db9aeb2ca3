// cancel_job: takes a queued job off its queue, or stops a running one and all its processes.
import { z } from 'zod';
import { StatusSchema } from '../../jobs/job-model.js';
import { statusText } from '../format-text.js';
import { sessionOf } from '../mcp-session.js';
import { asToolResult, toolSuccess } from '../tool-result.js';
import { JobIdArg, type JobTool } from './job-tool.js';

const name = 'cancel_job';
const title = 'Cancel a job';
const summary = 'Removes a queued job, or stops a running one and every process its tool started.';
const description =
  'Cancel a job: a queued job is removed from its queue; a running one is stopped (its tool and every process it started are killed) and its partial outputs are discarded. A finished job is left as it is. Returns the status after the cancel.';
const inputSchema = z.object({ job_id: JobIdArg });
// Destroys work in progress; cancelling twice is the same as once.
const annotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };

export const cancelJob: JobTool = {
  name,
  title,
  summary,
  register(server, { jobs, log }) {
    server.registerTool(name, { title, description, inputSchema, outputSchema: StatusSchema, annotations }, ({ job_id }, extra) =>
      asToolResult(log, async () => {
        const status = await jobs.cancel(job_id, sessionOf(extra).caller);
        return toolSuccess(status, statusText(status));
      }),
    );
  },
};
