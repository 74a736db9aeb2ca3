// resources/list pages through all of a caller's jobs with the SDK's cursor: more jobs than a
// page, followed to the end, every job once; a cursor the server never gave, or one past the end,
// is Invalid params (-32602) rather than an empty page. No worker runs, so the jobs stay queued.
import path from 'node:path';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS_PER_PAGE } from '../../src/mcp/resource-list.js';
import { callOk, FIXTURES, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
const submitted: string[] = [];

beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false });
  // Two full pages and a part: the last page must not promise a page after it.
  for (let i = 0; i < 2 * JOBS_PER_PAGE + 5; i++) {
    submitted.push((await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'lambda' })).job_id);
  }
});

afterAll(async () => h?.close());

async function refusal(run: Promise<unknown>): Promise<McpError> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(McpError);
  return err as McpError;
}

describe('resources/list', () => {
  it('pages through every job with nextCursor, newest first, each job\'s status resource once', async () => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await h.client.listResources(cursor === undefined ? {} : { cursor });
      pages.push(page.resources.map((r) => r.uri));
      expect(page.resources.every((r) => r.mimeType === 'application/json' && r.title === `blastn job ${r.name} (queued)`)).toBe(true);
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([JOBS_PER_PAGE, JOBS_PER_PAGE, 5]);
    const listed = pages.flat();
    expect([...listed].sort()).toEqual(submitted.map((id) => `bio-mcp-queue://jobs/${id}`).sort());
    // Newest first by submission time. Two submissions can fall in the same millisecond on a fast
    // machine (the index's score); their order between them is not the order they were sent in.
    const submittedAt = new Map<string, string>();
    for (const id of submitted) submittedAt.set(`bio-mcp-queue://jobs/${id}`, (await callOk<{ submitted_at: string }>(h.client, 'get_job_status', { job_id: id })).submitted_at);
    const times = listed.map((uri) => Date.parse(submittedAt.get(uri)!));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(times).size).toBeGreaterThan(1);
  });

  it('reads a listed job\'s status resource as the status JSON', async () => {
    const { resources } = await h.client.listResources();
    const read = await h.client.readResource({ uri: resources[0]!.uri });
    const content = read.contents[0] as { text: string; mimeType: string };
    expect(content.mimeType).toBe('application/json');
    const status = await callOk<Record<string, unknown>>(h.client, 'get_job_status', { job_id: resources[0]!.name });
    expect(JSON.parse(content.text)).toEqual(status);
  });

  it('refuses a cursor it never gave out', async () => {
    const err = await refusal(h.client.listResources({ cursor: 'not-a-cursor' }));
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.message).toBe('MCP error -32602: cursor: not a cursor this server gave out');
    expect(err.data).toEqual({ code: 'input_invalid', field: 'cursor' });
  });

  it('refuses a cursor past the end of the list', async () => {
    // Well formed (an index score and a job id, as the server encodes them) but below every job.
    const pastTheEnd = Buffer.from('1:blast-0000000000000000').toString('base64url');
    const err = await refusal(h.client.listResources({ cursor: pastTheEnd }));
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.message).toBe('MCP error -32602: cursor: past the end of the list: no resources follow it');
  });

  it('lists the two job resource templates', async () => {
    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => [t.name, t.uriTemplate])).toEqual([
      ['job-output-file', 'bio-mcp-queue://jobs/{job_id}/files/{name}'],
      ['job-status', 'bio-mcp-queue://jobs/{job_id}'],
    ]);
  });
});
