// The resource_link content items a tool result carries, one per output file, so a client can
// offer the files (and read them page by page) without parsing the structured result.
import type { ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import type { JobResult } from '../jobs/job-model.js';

export function fileResourceLinks(result: Pick<JobResult, 'job_id' | 'files'>): ResourceLink[] {
  return result.files.map((file) => ({
    type: 'resource_link',
    uri: file.resource_uri,
    name: file.name,
    title: `${file.name} of job ${result.job_id}`,
    mimeType: file.media_type,
    size: file.size_bytes,
  }));
}
