// get_job_result: what a finished job produced — summary, files with fresh links, the command.
import { z } from 'zod';
import { ResultSchema, type JobResult } from '../../jobs/job-model.js';
import { resultText } from '../format-text.js';
import { fileResourceLinks } from '../resource-links.js';
import { sessionOf } from '../mcp-session.js';
import { asToolResult, toolSuccess } from '../tool-result.js';
import { JobIdArg, READ_ONLY, type JobTool } from './job-tool.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const name = 'get_job_result';
const title = 'Job result: summary and download links';
const summary = 'Summary of a finished job (for BLAST: hit count and top hits), its files with sha256 and links, the exact command and tool version.';
const description =
  'Result of a finished job: a tool-specific summary (for BLAST: hit_count, queries_with_hits and the top 10 hits), every output file with its size, sha256 and a download URL, the exact command line, the tool version, exit code and run time. ' +
  'Output files can also be read page by page as MCP resources (resource_uri; the result carries a resource_link to each). For a job that has not finished it returns its current status.';
const inputSchema = z.object({ job_id: JobIdArg });

export const getJobResult: JobTool = {
  name,
  title,
  summary,
  register(server, { jobs, log }) {
    server.registerTool(name, { title, description, inputSchema, outputSchema: ResultSchema, annotations: READ_ONLY }, ({ job_id }, extra) =>
      asToolResult(log, async () => {
        return jobResultAnswer(await jobs.result(job_id, sessionOf(extra).caller));
      }),
    );
  },
};

/** The answer get_job_result gives for a job: tasks/result gives the same (job-task-store.ts). */
export function jobResultAnswer(result: JobResult): CallToolResult {
  return toolSuccess(result, resultText(result), fileResourceLinks(result));
}
