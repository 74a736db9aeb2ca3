// Resource subscriptions and resource links through the MCP SDK's own Client against the real
// server and worker: a subscription to a job's status or file hears notifications/resources/updated
// when a real blastn job ends; unsubscribing stops it; get_job_result and wait_for_job carry a
// resource_link per output file; resources/list shows a completed job's files.
import path from 'node:path';
import { ErrorCode, McpError, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_NOT_FOUND } from '../../src/mcp/job-resources.js';
import { MAX_WATCHED_JOBS } from '../../src/mcp/resource-subscriptions.js';
import { callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';
import { workerProcesses } from '../support/worker-processes.js';

let h: Harness;
const updates: string[] = [];
const awaited = new Map<string, () => void>();

/** Resolves when notifications/resources/updated has arrived for the URI. */
function updateOf(uri: string): Promise<void> {
  if (updates.includes(uri)) return Promise.resolve();
  return new Promise((resolve) => awaited.set(uri, resolve));
}

const query = path.join(FIXTURES, 'lambda_queries.fa');
const submitBlastn = async () => (await callOk<{ job_id: string }>(h.client, 'blastn_async', { query, database: 'lambda' })).job_id;

beforeAll(async () => {
  h = await startHarness();
  h.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    updates.push(n.params.uri);
    awaited.get(n.params.uri)?.();
  });
  const build = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
  expect((await waitDone(h.client, build.job_id)).status).toBe('completed');
});

afterAll(async () => h?.close());

describe('resources/subscribe', () => {
  it('is advertised, with the server\'s icon', () => {
    expect(h.client.getServerCapabilities()?.resources).toEqual({ subscribe: true, listChanged: true });
    const icons = h.client.getServerVersion()?.icons;
    expect(icons).toEqual([{ src: expect.stringMatching(/^data:image\/svg\+xml;base64,/), mimeType: 'image/svg+xml', sizes: ['any'] }]);
    expect(Buffer.from(icons![0]!.src.split(',')[1]!, 'base64').toString()).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it('notifies the job\'s status and file URIs when a real blastn job completes', async () => {
    const jobId = await submitBlastn();
    const statusUri = `bio-mcp-queue://jobs/${jobId}`;
    const fileUri = `bio-mcp-queue://jobs/${jobId}/files/hits.tsv`;
    await h.client.subscribeResource({ uri: statusUri });
    await h.client.subscribeResource({ uri: fileUri });
    await Promise.all([updateOf(statusUri), updateOf(fileUri)]);
    const read = await h.client.readResource({ uri: statusUri });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ job_id: jobId, status: 'completed' });
    expect(updates.filter((u) => u === statusUri || u === fileUri).sort()).toEqual([fileUri, statusUri].sort());
  });

  it('notifies when a job fails, and at once for a job that has already ended', async () => {
    const failed = (await callOk<{ job_id: string }>(h.client, 'blastn_async', { query, database: 'no_such_db' })).job_id;
    const uri = `bio-mcp-queue://jobs/${failed}`;
    await h.client.subscribeResource({ uri });
    await updateOf(uri);
    expect((await waitDone(h.client, failed)).status).toBe('failed');
    const ended = await submitBlastn();
    expect((await waitDone(h.client, ended)).status).toBe('completed');
    await h.client.subscribeResource({ uri: `bio-mcp-queue://jobs/${ended}` });
    await updateOf(`bio-mcp-queue://jobs/${ended}`);
  });

  it('stops notifying a URI once unsubscribed', async () => {
    const jobId = await submitBlastn();
    const statusUri = `bio-mcp-queue://jobs/${jobId}`;
    const fileUri = `bio-mcp-queue://jobs/${jobId}/files/hits.tsv`;
    await h.client.subscribeResource({ uri: statusUri });
    await h.client.subscribeResource({ uri: fileUri });
    await h.client.unsubscribeResource({ uri: statusUri });
    // The job's URIs are notified in the order they were subscribed: the status one would come first.
    await updateOf(fileUri);
    expect(updates).not.toContain(statusUri);
  });

  it('refuses a URI that is not a job resource, and a job that does not exist', async () => {
    const notJob = await h.client.subscribeResource({ uri: 'file:///etc/passwd' }).catch((e: unknown) => e as McpError);
    expect(notJob).toBeInstanceOf(McpError);
    expect((notJob as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((notJob as McpError).message).toBe(
      'MCP error -32602: uri: "file:///etc/passwd" is not a job resource: subscribe to bio-mcp-queue://jobs/{job_id} or one of its files',
    );
    const missing = await h.client.subscribeResource({ uri: 'bio-mcp-queue://jobs/blast-0000000000000000' }).catch((e: unknown) => e as McpError);
    expect((missing as McpError).code).toBe(RESOURCE_NOT_FOUND);
  });
});

describe('resources/subscribe before the job runs', () => {
  // A harness with no worker: a job subscribed to is surely still queued, so the notification
  // can only come from its end, once a real worker process starts or the job is cancelled.
  let idle: Harness;
  const idleUpdates: string[] = [];
  const idleAwaited = new Map<string, () => void>();
  const idleUpdateOf = (uri: string) => (idleUpdates.includes(uri) ? Promise.resolve() : new Promise<void>((resolve) => idleAwaited.set(uri, resolve)));
  const workers = workerProcesses(() => idle.env, 'blast');

  beforeAll(async () => {
    idle = await startHarness({ embeddedWorker: false });
    idle.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      idleUpdates.push(n.params.uri);
      idleAwaited.get(n.params.uri)?.();
    });
  });
  afterAll(async () => {
    await workers.stopAll();
    await idle?.close();
  });

  it('notifies when a queued job is cancelled', async () => {
    const jobId = (await callOk<{ job_id: string }>(idle.client, 'blastn_async', { query, database: 'lambda' })).job_id;
    const uri = `bio-mcp-queue://jobs/${jobId}`;
    await idle.client.subscribeResource({ uri });
    expect(idleUpdates).toEqual([]);
    expect((await callOk<{ status: string }>(idle.client, 'cancel_job', { job_id: jobId })).status).toBe('cancelled');
    await idleUpdateOf(uri);
  });

  it('has a wait woken by a cancel find the job cancelled, never unknown', async () => {
    // The cancel writes the job's tombstone before it removes the job: no reader sees a gap.
    for (let i = 0; i < 10; i++) {
      const jobId = (await callOk<{ job_id: string }>(idle.client, 'blastn_async', { query, database: 'lambda' })).job_id;
      const waiting = callOk<{ status: string }>(idle.client, 'wait_for_job', { job_id: jobId, timeout_seconds: 20 });
      await callOk(idle.client, 'cancel_job', { job_id: jobId });
      expect((await waiting).status).toBe('cancelled');
    }
  });

  it(`watches at most ${MAX_WATCHED_JOBS} jobs a session, and takes another once one is unsubscribed`, async () => {
    const uris: string[] = [];
    for (let i = 0; i <= MAX_WATCHED_JOBS; i++) {
      uris.push(`bio-mcp-queue://jobs/${(await callOk<{ job_id: string }>(idle.client, 'blastn_async', { query, database: 'lambda' })).job_id}`);
    }
    for (const uri of uris.slice(0, MAX_WATCHED_JOBS)) await idle.client.subscribeResource({ uri });
    // A second URI of a job already watched is no new watcher.
    await idle.client.subscribeResource({ uri: `${uris[0]}/files/hits.tsv` });
    const refused = await idle.client.subscribeResource({ uri: uris[MAX_WATCHED_JOBS]! }).catch((e: unknown) => e as McpError);
    expect((refused as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((refused as McpError).message).toBe(
      `MCP error -32602: uri: this session already watches ${MAX_WATCHED_JOBS} jobs; unsubscribe from one that has not ended first`,
    );
    await idle.client.unsubscribeResource({ uri: uris[1]! });
    await idle.client.subscribeResource({ uri: uris[MAX_WATCHED_JOBS]! });
    for (const uri of uris) await idle.client.unsubscribeResource({ uri });
    await idle.client.unsubscribeResource({ uri: `${uris[0]}/files/hits.tsv` });
    // Out of the way of the worker the next test starts.
    for (const uri of uris) await callOk(idle.client, 'cancel_job', { job_id: uri.slice('bio-mcp-queue://jobs/'.length) });
  });

  it('notifies when a worker started after the subscription completes the job', async () => {
    const build = (await callOk<{ job_id: string }>(idle.client, 'make_blast_db_async', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' })).job_id;
    const uri = `bio-mcp-queue://jobs/${build}`;
    await idle.client.subscribeResource({ uri });
    expect((await callOk<{ status: string }>(idle.client, 'get_job_status', { job_id: build })).status).toBe('queued');
    workers.start();
    await idleUpdateOf(uri);
    const read = await idle.client.readResource({ uri });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ job_id: build, status: 'completed' });
  });
});

describe('resources/subscribe over Streamable HTTP', () => {
  let web: HttpHarness;
  beforeAll(async () => {
    web = await startHttpHarness({ embeddedWorker: false });
  });
  afterAll(async () => web?.close());

  it('notifies the owner on the session\'s stream, and refuses another owner\'s job as not found', async () => {
    const alice = await web.mcp(web.keys.alice);
    const bob = await web.mcp(web.keys.bob);
    const heard = new Promise<string>((resolve) => alice.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri)));
    const jobId = (await callOk<{ job_id: string }>(alice, 'blastn_async', { query, database: 'lambda' })).job_id;
    const uri = `bio-mcp-queue://jobs/${jobId}`;
    const refused = await bob.subscribeResource({ uri }).catch((e: unknown) => e as McpError);
    expect((refused as McpError).code).toBe(RESOURCE_NOT_FOUND);
    await alice.subscribeResource({ uri });
    expect((await callOk<{ status: string }>(alice, 'cancel_job', { job_id: jobId })).status).toBe('cancelled');
    expect(await heard).toBe(uri);
  });
});

describe('resource links', () => {
  type Content = { type: string; uri?: string; name?: string; mimeType?: string; size?: number; title?: string };
  type Files = { files: { name: string; resource_uri: string; media_type: string; size_bytes: number }[] };

  it('get_job_result and wait_for_job link each output file; structuredContent is unchanged', async () => {
    const jobId = (await callOk<{ job_id: string }>(h.client, 'blastn_async', { query, database: 'lambda', output_format: 'xml' })).job_id;
    expect((await waitDone(h.client, jobId)).status).toBe('completed');
    const result = (await h.client.callTool({ name: 'get_job_result', arguments: { job_id: jobId } })) as { content: Content[]; structuredContent: Files };
    const expected = result.structuredContent.files.map((f) => ({
      type: 'resource_link',
      uri: f.resource_uri,
      name: f.name,
      title: `${f.name} of job ${jobId}`,
      mimeType: f.media_type,
      size: f.size_bytes,
    }));
    expect(expected.length).toBeGreaterThan(0);
    expect(result.content[0]!.type).toBe('text');
    expect(result.content.slice(1)).toEqual(expected);
    expect(Object.keys(result.structuredContent)).not.toContain('content');

    const waited = (await h.client.callTool({ name: 'wait_for_job', arguments: { job_id: jobId, timeout_seconds: 1 } })) as { content: Content[]; structuredContent: Record<string, unknown> };
    expect(waited.content.slice(1)).toEqual(expected);
    expect(waited.structuredContent).toMatchObject({ job_id: jobId, status: 'completed', timed_out: false });

    // A link reads as the file, and resources/list shows the same files under the job.
    const read = await h.client.readResource({ uri: expected[0]!.uri });
    expect((read.contents[0] as { mimeType: string }).mimeType).toBe(expected[0]!.mimeType);
    const listed = (await h.client.listResources()).resources.filter((r) => r.uri.startsWith(`bio-mcp-queue://jobs/${jobId}/files/`));
    expect(listed.map((r) => r.uri)).toEqual(expected.map((l) => l.uri));
  });

  it('wait_for_job links nothing while a job has not completed', async () => {
    const failed = (await callOk<{ job_id: string }>(h.client, 'blastn_async', { query, database: 'no_such_db' })).job_id;
    expect((await waitDone(h.client, failed)).status).toBe('failed');
    const waited = (await h.client.callTool({ name: 'wait_for_job', arguments: { job_id: failed, timeout_seconds: 1 } })) as { content: Content[] };
    expect(waited.content.map((c) => c.type)).toEqual(['text']);
  });
});
