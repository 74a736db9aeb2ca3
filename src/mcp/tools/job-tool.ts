// What each file in this folder exports: one MCP tool beside the catalog's, with its name, title
// and the one-line summary the README's table shows, and how it registers on a server. index.ts
// lists them; nothing outside this folder knows one tool from another.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Config } from '../../config.js';
import type { JobsApi } from '../../jobs/job-service.js';
import type { Logger } from '../../logger.js';

/**
 * What a tool is registered with, once for every session (shared-registry.ts): the one JobService.
 * Its handler reads the session's caller (and log level) from the request: sessionOf(extra).
 */
export interface JobToolContext {
  jobs: JobsApi;
  config: Config;
  /** Bound to the tool's name by index.ts. */
  log: Logger;
}

export interface JobTool {
  name: string;
  title: string;
  /** One line for the README's tools table. */
  summary: string;
  /** Where the tool exists only on some servers: the test, and the sentence the README adds to say so. */
  availability?: { on: (jobs: JobsApi) => boolean; docNote: string };
  register(server: McpServer, context: JobToolContext): void;
}

/** The job_id argument, as every tool about one job takes it. */
export const JobIdArg = z.string().min(1, { message: 'must not be empty' }).max(100).describe('The job_id a *_async tool returned.');

/** Annotations of a tool that only reads: safe to call again and again. */
export const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
