// The MCP tools beside the catalog's *_async ones: following a job once submitted, and what a
// client needs around jobs (databases, queues, uploads). Listed in the order the server offers
// them and the README's table shows them; adding one is adding a file here and a line below.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { cancelJob } from './cancel-job.js';
import { createUploadUrl } from './create-upload-url.js';
import { getJobResult } from './get-job-result.js';
import { getJobStatus } from './get-job-status.js';
import type { JobTool, JobToolContext } from './job-tool.js';
import { listDatabases } from './list-databases.js';
import { listJobs } from './list-jobs.js';
import { queueStats } from './queue-stats.js';
import { waitForJob } from './wait-for-job.js';

export const jobTools: readonly JobTool[] = Object.freeze([getJobStatus, getJobResult, waitForJob, cancelJob, listJobs, listDatabases, queueStats, createUploadUrl]);

/** Registers every job tool this server can offer, each logging under its own name. */
export function registerJobTools(server: McpServer, context: JobToolContext): void {
  for (const tool of jobTools) {
    if (tool.availability && !tool.availability.on(context.jobs)) continue;
    tool.register(server, { ...context, log: context.log.child({ tool: tool.name }) });
  }
}
