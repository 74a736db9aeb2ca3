// resources/list a page of jobs at a time, through all of the caller's jobs, newest first: each
// job's status resource, and a completed job's output files. The SDK's McpServer lists every
// template's resources in one answer and ignores the cursor, so this replaces its handler.
// A cursor this server did not give, or one past the end, is Invalid params, never an empty page.
// Registered once for every session (shared-registry.ts): the list is the caller's of the session.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListResourcesRequestSchema, type ListResourcesResult, type Resource } from '@modelcontextprotocol/sdk/types.js';
import { inputError } from '../errors.js';
import type { Caller } from '../jobs/caller.js';
import type { JobsApi } from '../jobs/job-service.js';
import { jobResourceUri, resourceRequestError } from './job-resources.js';
import { sessionOf } from './mcp-session.js';

/** Jobs per resources/list page (each brings its status resource and, completed, its files). */
export const JOBS_PER_PAGE = 20;

export function registerResourceList(server: McpServer, jobs: JobsApi): void {
  server.server.setRequestHandler(ListResourcesRequestSchema, async (request, extra): Promise<ListResourcesResult> => {
    try {
      return await listPage(jobs, sessionOf(extra).caller, request.params?.cursor);
    } catch (err) {
      throw resourceRequestError(err);
    }
  });
}

async function listPage(jobs: JobsApi, caller: Caller, cursor: string | undefined): Promise<ListResourcesResult> {
  const page = await jobs.list({ limit: JOBS_PER_PAGE, ...(cursor === undefined ? {} : { cursor }) }, caller);
  if (cursor !== undefined && page.jobs.length === 0) throw inputError('cursor', 'past the end of the list: no resources follow it');
  const resources: Resource[] = [];
  for (const job of page.jobs) {
    resources.push({ uri: jobResourceUri(job.job_id), name: job.job_id, title: `${job.tool} job ${job.job_id} (${job.status})`, mimeType: 'application/json' });
    if (job.status !== 'completed') continue;
    const result = await jobs.result(job.job_id, caller);
    for (const file of result.files) {
      resources.push({ uri: file.resource_uri, name: `${job.job_id}/${file.name}`, mimeType: file.media_type, size: file.size_bytes });
    }
  }
  // The job list gives a cursor after every full page, even the last: hand it on only if a job follows.
  const next = page.next_cursor && (await jobs.list({ limit: 1, cursor: page.next_cursor }, caller)).jobs.length > 0 ? page.next_cursor : undefined;
  return { resources, ...(next === undefined ? {} : { nextCursor: next }) };
}
