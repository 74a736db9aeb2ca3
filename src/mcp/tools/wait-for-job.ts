// wait_for_job: blocks while a job runs, up to a time a client's call survives, and forwards its
// progress as MCP progress notifications.
import { z } from 'zod';
import type { Config } from '../../config.js';
import { StatusSchema, type JobStatus } from '../../jobs/job-model.js';
import { formatDuration, statusText } from '../format-text.js';
import { fileResourceLinks } from '../resource-links.js';
import { asToolResult, toolSuccess } from '../tool-result.js';
import { JobIdArg, READ_ONLY, type JobTool } from './job-tool.js';

const name = 'wait_for_job';
const title = 'Wait for a job to finish';
const summary = 'Blocks until the job ends or a timeout under a minute passes, sending progress notifications meanwhile.';

// The longest wait is configured (BIO_QUEUE_WAIT_MAX_SECONDS), so the description and the
// schema are made per server.
const defaultWait = (config: Config) => Math.min(25, config.waitMaxSeconds);

const description = (config: Config) =>
  `Block until the job finishes or timeout_seconds pass (default ${defaultWait(config)}, at most ${config.waitMaxSeconds}: MCP clients cut calls off at about a minute), then return its status with timed_out. ` +
  'Sends progress notifications while waiting when the call carries a progress token. Call again to keep waiting; call get_job_result once it has completed.';

const inputSchema = (config: Config) =>
  z.object({
    job_id: JobIdArg,
    timeout_seconds: z
      .number()
      .positive({ message: 'must be greater than 0' })
      .max(config.waitMaxSeconds, { message: `must be at most ${config.waitMaxSeconds}` })
      .default(defaultWait(config))
      .describe(`Longest time to wait, in seconds (default ${defaultWait(config)}, at most ${config.waitMaxSeconds}).`),
  });

const outputSchema = StatusSchema.extend({ timed_out: z.boolean() });

export const waitForJob: JobTool = {
  name,
  title,
  summary,
  register(server, { jobs, caller, config, log }) {
    server.registerTool(
      name,
      { title, description: description(config), inputSchema: inputSchema(config), outputSchema, annotations: READ_ONLY },
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
          // A completed job's files come as resource links, as get_job_result gives them.
          const links = status.status === 'completed' ? fileResourceLinks(await jobs.result(job_id, caller)) : [];
          return toolSuccess({ ...status, timed_out }, text, links);
        }),
    );
  },
};
