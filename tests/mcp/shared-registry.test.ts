// Sessions share one registry of tools, prompts and resource templates (shared-registry.ts,
// issue 11), and still each answer as their own caller: two sessions on one server, alice's and
// bob's, are served by the very same registry object, yet bob neither sees alice's job nor is
// offered its id, and each session keeps its own subscriptions. No worker runs: the job stays queued.
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Caller } from '../../src/jobs/caller.js';
import { createLogger } from '../../src/logger.js';
import { connectServer } from '../../src/mcp/connect-server.js';
import { createMcpServer } from '../../src/mcp/create-server.js';
import { jsonSchemaValidator } from '../../src/mcp/shared-registry.js';
import type { McpSession } from '../../src/mcp/mcp-session.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { callError, callOk, FIXTURES, testEnv } from '../support/harness.js';

const callerForKey = (owner: string): Caller => ({ owner, admin: false, remote: false });

let runtime: Runtime;
const sessions: { session: McpSession; client: Client }[] = [];

// A session on `runtimeOf` as `owner`, connected as stdio-command.ts connects one.
async function open(runtimeOf: Runtime, owner: string) {
  const session = createMcpServer({ jobs: runtimeOf.jobs, config: runtimeOf.config, log: runtimeOf.log, caller: callerForKey(owner) });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await connectServer(session, serverSide, runtimeOf.log);
  const client = new Client({ name: owner, version: '1.0.0' });
  await client.connect(clientSide);
  sessions.push({ session, client });
  return { session, client };
}

beforeAll(async () => {
  const { env } = await testEnv();
  const config = loadConfig(env);
  runtime = await startRuntime(config, createLogger(config.logLevel), { embeddedWorker: false });
});

afterAll(async () => {
  for (const { client, session } of sessions) {
    await client.close();
    await session.close();
  }
  await runtime?.close();
});

describe('one registry for every session', () => {
  it('serves two callers from the same registry, each with its own jobs', async () => {
    const alice = await open(runtime, 'alice');
    const bob = await open(runtime, 'bob');
    expect(alice.session.registry).toBe(bob.session.registry);
    expect(alice.session.server).not.toBe(bob.session.server);

    const { job_id } = await callOk<{ job_id: string }>(alice.client, 'blastn_async', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'lambda' });
    expect(await callOk(alice.client, 'get_job_status', { job_id })).toMatchObject({ job_id, status: 'queued' });
    expect(await callError(bob.client, 'get_job_status', { job_id })).toBe(`not_found: no job "${job_id}"; list_jobs shows the jobs that exist`);
    expect(await callOk(bob.client, 'list_jobs')).toMatchObject({ jobs: [] });

    const complete = (client: Client) => client.complete({ ref: { type: 'ref/prompt', name: 'summarize_job' }, argument: { name: 'job_id', value: '' } });
    expect((await complete(alice.client)).completion.values).toEqual([job_id]);
    expect((await complete(bob.client)).completion.values).toEqual([]);

    const resources = async (client: Client) => (await client.listResources()).resources.map((r) => r.uri);
    expect(await resources(alice.client)).toEqual([`bio-mcp-queue://jobs/${job_id}`]);
    expect(await resources(bob.client)).toEqual([]);
    await expect(bob.client.subscribeResource({ uri: `bio-mcp-queue://jobs/${job_id}` })).rejects.toThrow(`no job "${job_id}"`);
    await alice.client.subscribeResource({ uri: `bio-mcp-queue://jobs/${job_id}` });
  });

  it('builds another registry for another JobService, not one per session', async () => {
    const first = await open(runtime, 'carol');
    const again = await open(runtime, 'carol');
    expect(again.session.registry).toBe(first.session.registry);
    const other = await startRuntime(runtime.config, runtime.log, { embeddedWorker: false });
    try {
      const elsewhere = createMcpServer({ jobs: other.jobs, config: other.config, log: other.log, caller: callerForKey('carol') });
      expect(elsewhere.registry).not.toBe(first.session.registry);
      expect(elsewhere.registry.jobs).toBe(other.jobs);
    } finally {
      await other.close();
    }
  });

  it('hands every session the same JSON Schema validator, which builds its Ajv when first asked and then checks', () => {
    // Made on first use (not at every start: issue 11), yet a real Ajv behind it.
    expect(jsonSchemaValidator()).toBe(jsonSchemaValidator());
    const check = jsonSchemaValidator().getValidator<{ name: string }>({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] });
    expect(check({ name: 'alice' })).toMatchObject({ valid: true, data: { name: 'alice' } });
    expect(check({ name: 3 })).toMatchObject({ valid: false, errorMessage: expect.stringContaining('must be string') });
  });
});
