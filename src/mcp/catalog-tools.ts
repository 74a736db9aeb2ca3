// One MCP tool `<name>_async` per catalog entry: the entry's schema plus a priority, an
// optional idempotency_key and an optional notify_url. Called plainly, it submits a job and returns its id at once; called
// with a task request (MCP Tasks), the same job is the task: its id is the job id, and
// tasks/get, tasks/result and tasks/cancel read and stop the job (job-task-store.ts).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { JobsApi } from '../jobs/job-service.js';
import { IdempotencyKey, JobStatusName, NotifyUrl, Priority, ResultSchema, SubmissionSchema, type Submission } from '../jobs/job-model.js';
import type { AnyToolDefinition } from '../../tools/define-tool.js';
import { asToolResult, toolSuccess } from './tool-result.js';
import { submissionText } from './format-text.js';
import type { JobTaskContext } from './job-task-store.js';
import { answerUntaskedCallsAtOnce, type UntaskedCall } from './untasked-calls.js';
import { isModernMeta } from './modern-era.js';
import { sessionOf, type SessionHandlerContext } from './mcp-session.js';

export function mcpToolName(tool: Pick<AnyToolDefinition, 'name'>): string {
  return `${tool.name}_async`;
}

/** A catalog tool or a pipeline: what becomes one `<name>_async` MCP tool. */
export type SubmittableDefinition = Pick<AnyToolDefinition, 'name' | 'title' | 'description' | 'annotations' | 'input'>;

// Called plainly a tool answers with the submission; as a task, tasks/result answers with the
// job's result (as get_job_result does). A client checks either against the one outputSchema.
const AsyncToolOutputSchema = ResultSchema.partial()
  .extend(SubmissionSchema.partial().shape)
  .extend({ job_id: z.string(), tool: z.string(), status: JobStatusName });

// A definition's input with the submit options, made once per definition (a zod object costs a
// few KiB; issue 11).
const submitSchemas = new WeakMap<SubmittableDefinition, z.ZodObject>();
function submitSchema(tool: SubmittableDefinition): z.ZodObject {
  let schema = submitSchemas.get(tool);
  if (!schema) {
    schema = (tool.input as z.ZodObject).extend({ priority: Priority, idempotency_key: IdempotencyKey, notify_url: NotifyUrl });
    submitSchemas.set(tool, schema);
  }
  return schema;
}

export interface CatalogToolContext {
  jobs: JobsApi;
  log: Logger;
}

// Registered once for every session (shared-registry.ts): the caller, the client's roots (which
// narrow where path inputs may come from) and the task status feed are the session's, read from
// the request.
export function registerCatalogTools(server: McpServer, catalog: readonly SubmittableDefinition[], { jobs, log }: CatalogToolContext): void {
  const untasked = new Map<string, UntaskedCall>();
  for (const tool of catalog) {
    const name = mcpToolName(tool);
    const inputSchema = submitSchema(tool);
    const submit = async (args: Record<string, unknown>, session: SessionHandlerContext, signal: AbortSignal): Promise<Submission> => {
      const { priority, idempotency_key, notify_url, ...params } = args;
      return jobs.submit(tool.name, params, {
        priority: priority as number,
        caller: session.caller,
        idempotencyKey: idempotency_key as string | undefined,
        notifyUrl: notify_url as string | undefined,
        clientRoots: await session.roots.paths(),
        // The SDK aborts it when the client cancels the call or the session closes.
        signal,
      });
    };
    untasked.set(name, (args, extra) =>
      asToolResult(log, async () => {
        const submission = await submit(args, sessionOf(extra), extra.signal);
        return toolSuccess(submission, submissionText(submission));
      }),
    );
    server.experimental.tasks.registerToolTask(
      name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema,
        outputSchema: AsyncToolOutputSchema,
        annotations: { title: tool.title, ...tool.annotations },
        execution: { taskSupport: 'optional' },
      },
      {
        // A submission refused (bad input, quota) is a protocol error here: there is no task to fail.
        createTask: async (args, extra) => {
          const session = sessionOf(extra);
          const submission = await submit(args as Record<string, unknown>, session, extra.signal);
          const context: JobTaskContext = { jobId: submission.job_id };
          const task = await extra.taskStore.createTask({ context: { ...context } });
          // A 2026-07-28 client is not sent 2025-11-25 status notifications: it polls tasks/get.
          if (!isModernMeta(extra._meta)) session.feed.follow(task);
          return { task };
        },
        getTask: (_args, extra) => extra.taskStore.getTask(extra.taskId),
        getTaskResult: async (_args, extra) => (await extra.taskStore.getTaskResult(extra.taskId)) as CallToolResult,
      },
    );
  }
  answerUntaskedCallsAtOnce(server, untasked);
}
