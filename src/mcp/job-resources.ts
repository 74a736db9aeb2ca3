// Each output file of a completed job is an MCP resource, read a page at a time so a large
// output never floods a model's context: bio-mcp-queue://jobs/{job_id}/files/{name}?page=N.
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { BioQueueError } from '../errors.js';
import type { JobService } from '../jobs/job-service.js';
import type { Caller } from '../jobs/caller.js';
import { resourceUriOf } from '../jobs/job-view.js';

export const PAGE_BYTES = 64 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|xml))/;

export function registerJobResources(server: McpServer, jobs: JobService, caller: Caller): void {
  const template = new ResourceTemplate('bio-mcp-queue://jobs/{job_id}/files/{name}', {
    // The files of the most recent completed jobs.
    list: async () => {
      const page = await jobs.list({ status: 'completed', limit: 20 }, caller);
      const resources = [];
      for (const job of page.jobs) {
        const result = await jobs.result(job.job_id, caller);
        for (const file of result.files) {
          resources.push({ uri: file.resource_uri, name: `${job.job_id}/${file.name}`, mimeType: file.media_type, size: file.size_bytes });
        }
      }
      return { resources };
    },
  });
  server.registerResource(
    'job-output-file',
    template,
    {
      title: 'Output file of a job',
      description: `An output file of a completed job, ${PAGE_BYTES / 1024} KiB a page: add ?page=2, ?page=3, … for the rest (_meta.pages says how many).`,
    },
    async (uri, variables): Promise<ReadResourceResult> => {
      const jobId = String(variables.job_id);
      // The template matches the optional ?page=N into the name; the URL has it parsed.
      const name = decodeURIComponent(String(variables.name).split('?')[0]!);
      const pageParam = uri.searchParams.get('page');
      const page = pageParam === null ? 1 : Number(pageParam);
      if (!Number.isInteger(page) || page < 1) throw new BioQueueError('input_invalid', `page: must be a whole number from 1, got "${pageParam}"`);
      const { data, size, mediaType } = await jobs.readFile(jobId, name, (page - 1) * PAGE_BYTES, PAGE_BYTES, caller);
      const pages = Math.max(1, Math.ceil(size / PAGE_BYTES));
      const base = resourceUriOf(jobId, name);
      const meta = { page, pages, size_bytes: size, next_uri: page < pages ? `${base}?page=${page + 1}` : null };
      const content = TEXT_TYPES.test(mediaType)
        ? { uri: uri.href, mimeType: mediaType, text: data.toString('utf8'), _meta: meta }
        : { uri: uri.href, mimeType: mediaType, blob: data.toString('base64'), _meta: meta };
      return { contents: [content], _meta: meta };
    },
  );
}
