// One MCP tool `<name>_async` per catalog entry: the entry's schema plus a priority and an
// optional idempotency_key; the call submits a job and returns its id at once.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import type { JobService } from '../jobs/job-service.js';
import type { Caller } from '../jobs/caller.js';
import { IdempotencyKey, Priority, SubmissionSchema } from '../jobs/job-model.js';
import type { AnyToolDefinition } from '../../tools/define-tool.js';
import { asToolResult, toolSuccess } from './tool-result.js';
import { submissionText } from './format-text.js';
import type { SessionRoots } from './session-roots.js';

export function mcpToolName(tool: Pick<AnyToolDefinition, 'name'>): string {
  return `${tool.name}_async`;
}

/** A catalog tool or a pipeline: what becomes one `<name>_async` MCP tool. */
export type SubmittableDefinition = Pick<AnyToolDefinition, 'name' | 'title' | 'description' | 'annotations' | 'input'>;

export interface CatalogToolContext {
  jobs: JobService;
  caller: Caller;
  /** The client's roots, which narrow where path inputs may come from. */
  roots: SessionRoots;
  log: Logger;
}

export function registerCatalogTools(server: McpServer, catalog: readonly SubmittableDefinition[], { jobs, caller, roots, log }: CatalogToolContext): void {
  for (const tool of catalog) {
    const inputSchema = (tool.input as z.ZodObject).extend({ priority: Priority, idempotency_key: IdempotencyKey });
    server.registerTool(
      mcpToolName(tool),
      {
        title: tool.title,
        description: tool.description,
        inputSchema,
        outputSchema: SubmissionSchema,
        annotations: { title: tool.title, ...tool.annotations },
      },
      (args: Record<string, unknown>) =>
        asToolResult(log, async () => {
          const { priority, idempotency_key, ...params } = args;
          const submission = await jobs.submit(tool.name, params, {
            priority: priority as number,
            caller,
            idempotencyKey: idempotency_key as string | undefined,
            clientRoots: await roots.paths(),
          });
          return toolSuccess(submission, submissionText(submission));
        }),
    );
  }
}
