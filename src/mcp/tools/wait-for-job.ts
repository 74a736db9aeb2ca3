// wait_for_job: blocks while a job runs, up to a time a client's call survives, and forwards its
// progress as MCP progress notifications and its tool's new stderr lines as MCP log messages.
import { z } from 'zod';
import type { ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from '../../config.js';
import { StatusSchema, type JobStatus } from '../../jobs/job-model.js';
import type { StderrFollower } from '../../jobs/job-service.js';
import { STDERR_LOG_START } from '../../jobs/job-stderr-log.js';
import { formatDuration, statusText } from '../format-text.js';
import { fileResourceLinks } from '../resource-links.js';
import type { SessionLogLevel } from '../session-log-level.js';
import { sessionOf, type SessionLocal } from '../mcp-session.js';
import { asToolResult, toolSuccess } from '../tool-result.js';
import { JobIdArg, READ_ONLY, type JobTool } from './job-tool.js';

const name = 'wait_for_job';
const title = 'Wait for a job to finish';
const summary = 'Blocks until the job ends or a timeout under a minute passes, sending progress notifications meanwhile.';

// The longest wait is configured (BIO_QUEUE_WAIT_MAX_SECONDS), so the description and the
// schema are made per configuration.
const defaultWait = (config: Config) => Math.min(25, config.waitMaxSeconds);

const description = (config: Config) =>
  `Block until the job finishes or timeout_seconds pass (default ${defaultWait(config)}, at most ${config.waitMaxSeconds}: MCP clients cut calls off at about a minute), then return its status with timed_out. ` +
  'Sends progress notifications while waiting when the call carries a progress token, and the tool\'s stderr lines as log messages (level info, logger "job:<job_id>"). Call again to keep waiting; call get_job_result once it has completed.';

const makeInputSchema = (config: Config) =>
  z.object({
    job_id: JobIdArg,
    timeout_seconds: z
      .number()
      .positive({ message: 'must be greater than 0' })
      .max(config.waitMaxSeconds, { message: `must be at most ${config.waitMaxSeconds}` })
      .default(defaultWait(config))
      .describe(`Longest time to wait, in seconds (default ${defaultWait(config)}, at most ${config.waitMaxSeconds}).`),
  });

// Made once per configuration, not per session (a zod object costs a few KiB; issue 11).
const inputSchemas = new WeakMap<Config, ReturnType<typeof makeInputSchema>>();
function inputSchema(config: Config): ReturnType<typeof makeInputSchema> {
  let schema = inputSchemas.get(config);
  if (!schema) {
    schema = makeInputSchema(config);
    inputSchemas.set(config, schema);
  }
  return schema;
}

const outputSchema = StatusSchema.extend({ timed_out: z.boolean() });

// Jobs this session follows, each with where its stderr was read to, so a second wait_for_job
// goes on from there; the oldest is forgotten past this many (it would start over).
const FOLLOWED_JOBS = 100;

// What a session keeps between its wait_for_job calls, made at its first one.
interface Following {
  followed: Map<string, StderrFollower>;
  /** Jobs whose completion this session has announced with resources/list_changed. */
  announced: Set<string>;
}
const following: SessionLocal<Following> = { make: () => ({ followed: new Map(), announced: new Set() }) };

export const waitForJob: JobTool = {
  name,
  title,
  summary,
  register(server, { jobs, config, log }) {
    server.registerTool(
      name,
      { title, description: description(config), inputSchema: inputSchema(config), outputSchema, annotations: READ_ONLY },
      ({ job_id, timeout_seconds }, extra) =>
        asToolResult(log, async () => {
          const session = sessionOf(extra);
          const { caller, logLevel } = session;
          const { followed, announced } = session.local(following);
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
          const stderr = stderrFollower(followed, job_id, logLevel, extra.sendNotification);
          // Without a progress token there is nobody to notify: wait() then reads the job again only when it may have ended.
          const { status, timed_out, result } = await jobs.wait(job_id, caller, timeout_seconds, token === undefined ? undefined : notify, extra.signal, stderr);
          if (status.status === 'completed' && !announced.has(job_id)) {
            announced.add(job_id);
            if (announced.size > FOLLOWED_JOBS) announced.delete(announced.values().next().value!);
            await extra.sendNotification({ method: 'notifications/resources/list_changed' });
          }
          // The SDK's client handles notifications a tick after a response read in the same chunk,
          // by when the request's progress handler is gone: give the last one a head start.
          if (token !== undefined && sent === status.progress.percent) await new Promise((r) => setTimeout(r, 20));
          const text = timed_out ? `Still ${status.status} after ${formatDuration(timeout_seconds)}. ${statusText(status)}` : statusText(status);
          // A completed job's files come as resource links, as get_job_result gives them, from the
          // read that saw it completed (not a second read of the job).
          const links = status.status === 'completed' ? fileResourceLinks(await result()) : [];
          return toolSuccess({ ...status, timed_out }, text, links);
        }),
    );
  },
};

// Where the session's reading of a job's stderr stands, or nothing when the client set a level
// above info (the lines are then not read at all, so none pile up for later).
function stderrFollower(
  followed: Map<string, StderrFollower>,
  jobId: string,
  logLevel: SessionLogLevel,
  send: (notification: ServerNotification) => Promise<void>,
): StderrFollower | undefined {
  if (!logLevel.allows('info')) return undefined;
  let follower = followed.get(jobId);
  if (!follower) {
    follower = {
      cursor: STDERR_LOG_START,
      async deliver(lines) {
        for (const line of lines) await send({ method: 'notifications/message', params: { level: 'info', logger: `job:${jobId}`, data: line } });
      },
    };
    followed.set(jobId, follower);
    if (followed.size > FOLLOWED_JOBS) followed.delete(followed.keys().next().value!);
  }
  return follower;
}
