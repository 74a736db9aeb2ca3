// Each output file of a completed job is an MCP resource, read a page at a time so a large
// output never floods a model's context: bio-mcp-queue://jobs/{job_id}/files/{name}?page=N; and
// each job's status is one, bio-mcp-queue://jobs/{job_id}. Both complete their variables from
// the caller's own jobs (session-completions.ts). Registered once for every session
// (shared-registry.ts): a read is the caller's of the session it came on.
// A read that fails is a JSON-RPC error whose code says whose fault it is: a bad page or name
// is Invalid params, a job or file that is not there is MCP's Resource not found.
// The SDK advertises resources.listChanged for a registered template. We keep it and make it
// true where it matters: wait_for_job sends notifications/resources/list_changed when it sees one
// of the caller's jobs complete (tools/wait-for-job.ts), the moment that job's files join the
// list and the client is there to hear it. Announcing every completion of the caller's jobs
// (submitted anywhere, watched or not) would need each session to read every queue's event
// stream; a client that did not wait sees the new files at its next resources/list.
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { mapError, type FailureCode } from '../error-mapping.js';
import { inputError } from '../errors.js';
import type { Caller } from '../jobs/caller.js';
import type { JobsApi } from '../jobs/job-service.js';
import { resourceUriOf } from '../jobs/job-view.js';
import { completeFileNames, completeJobIds } from './completions.js';
import { sessionOf } from './mcp-session.js';
import type { CompletionTable } from './session-completions.js';

export const PAGE_BYTES = 64 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|xml))/;
/** MCP's code for a resource that does not exist (the specification's, not JSON-RPC's). */
export const RESOURCE_NOT_FOUND = -32002;
// The highest page whose offset is still an exact integer.
const MAX_PAGE = Math.floor(Number.MAX_SAFE_INTEGER / PAGE_BYTES);

/**
 * A resources request refused, as the SDK sends it: its numeric code and message go to the client
 * as they are (an McpError would prefix "MCP error <code>:" to the message), our code and field in data.
 */
export class ResourceRequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: { code: FailureCode; field?: string },
  ) {
    super(message);
    this.name = 'ResourceRequestError';
  }
}

const JSON_RPC_CODES: Partial<Record<FailureCode, number>> = { input_invalid: ErrorCode.InvalidParams, not_found: RESOURCE_NOT_FOUND };

/** The JSON-RPC error for anything a resources/read, list or subscribe threw. */
export function resourceRequestError(err: unknown): ResourceRequestError {
  const failure = mapError(err);
  const data = { code: failure.code, ...(failure.field === undefined ? {} : { field: failure.field }) };
  return new ResourceRequestError(JSON_RPC_CODES[failure.code] ?? ErrorCode.InternalError, failure.message, data);
}

/** The job status resource's URI: the job's state as JSON, updated when the job ends. */
export function jobResourceUri(jobId: string): string {
  return `bio-mcp-queue://jobs/${jobId}`;
}

const FILES_TEMPLATE = 'bio-mcp-queue://jobs/{job_id}/files/{name}';
const STATUS_TEMPLATE = 'bio-mcp-queue://jobs/{job_id}';

export function registerJobResources(server: McpServer, jobs: JobsApi, completions: CompletionTable): void {
  // Listing is resource-list.ts's (a page of jobs at a time, with a cursor): no list callback here.
  const files = new ResourceTemplate(FILES_TEMPLATE, { list: undefined });
  completions.template(FILES_TEMPLATE, {
    job_id: (value, _context, { caller }) => completeJobIds(jobs, caller, value, 'completed'),
    name: (value, context, { caller }) => completeFileNames(jobs, caller, context?.arguments?.job_id, value),
  });
  server.registerResource(
    'job-output-file',
    files,
    {
      title: 'Output file of a job',
      description: `An output file of a completed job, ${PAGE_BYTES / 1024} KiB a page: add ?page=2, ?page=3, … for the rest (_meta.pages says how many).`,
    },
    async (uri, variables, extra): Promise<ReadResourceResult> => {
      try {
        return await readPage(jobs, sessionOf(extra).caller, uri, String(variables.job_id), String(variables.name));
      } catch (err) {
        throw resourceRequestError(err);
      }
    },
  );

  const status = new ResourceTemplate(STATUS_TEMPLATE, { list: undefined });
  completions.template(STATUS_TEMPLATE, { job_id: (value, _context, { caller }) => completeJobIds(jobs, caller, value) });
  server.registerResource(
    'job-status',
    status,
    {
      title: 'Status of a job',
      description: 'A job\'s state, progress and error as JSON (what get_job_status returns). Subscribe to it to hear when the job ends.',
      mimeType: 'application/json',
    },
    async (uri, variables, extra): Promise<ReadResourceResult> => {
      try {
        const current = await jobs.status(String(variables.job_id), sessionOf(extra).caller);
        return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(current) }] };
      } catch (err) {
        throw resourceRequestError(err);
      }
    },
  );
}

async function readPage(jobs: JobsApi, caller: Caller, uri: URL, jobId: string, rawName: string): Promise<ReadResourceResult> {
  const name = decodeName(rawName);
  const page = pageOf(uri.searchParams.get('page'));
  const { data, size, mediaType } = await jobs.readFile(jobId, name, (page - 1) * PAGE_BYTES, PAGE_BYTES, caller);
  const pages = Math.max(1, Math.ceil(size / PAGE_BYTES));
  if (page > pages) throw inputError('page', `${page} is past the end: ${name} has ${pages} page${pages === 1 ? '' : 's'} of ${PAGE_BYTES / 1024} KiB`);
  const base = resourceUriOf(jobId, name);
  const meta = { page, pages, size_bytes: size, next_uri: page < pages ? `${base}?page=${page + 1}` : null };
  const content = TEXT_TYPES.test(mediaType)
    ? { uri: uri.href, mimeType: mediaType, text: data.toString('utf8'), _meta: meta }
    : { uri: uri.href, mimeType: mediaType, blob: data.toString('base64'), _meta: meta };
  return { contents: [content], _meta: meta };
}

// The template matches the optional ?page=N into the name; the URL has it parsed.
function decodeName(raw: string): string {
  const encoded = raw.split('?')[0]!;
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw inputError('name', `"${encoded}" is not a percent-encoded file name`);
  }
}

// Digits only: Number() would also take "0x10", "1e3" and " 2 ".
function pageOf(param: string | null): number {
  if (param === null) return 1;
  const page = /^[1-9][0-9]{0,15}$/.test(param) ? Number(param) : NaN;
  if (!(page <= MAX_PAGE)) throw inputError('page', `expected a whole number from 1, got "${param}"`);
  return page;
}
