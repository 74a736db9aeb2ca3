// Fuzzing the MCP doors with bad input, over stdio (the built server as a child process) and
// Streamable HTTP (a real `serve`), one server each, no worker. Arguments come from each tool's
// declared inputSchema (tools/list), broken by that schema or carrying references no server may
// accept. Every call must come back as a clear refusal naming a field (verdicts.ts); afterwards
// the server still answers, queued no job, logged nothing at warn or above, and left no file in
// its data dir, the input roots, its cwd or its TMPDIR.
import fc from 'fast-check';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../tools/index.js';
import { mcpToolName } from '../../src/mcp/catalog-tools.js';
import { FIXTURES, REPO } from '../support/harness.js';
import { hostileInputSubmission, schemaBrokenSubmission, validParams, type BadSubmission } from '../support/fuzz/catalog-cases.js';
import { snapshotChanges, snapshotDirs, type Snapshot } from '../support/fuzz/dir-snapshot.js';
import { FUZZ_SEED, fuzzRuns, SentCounter } from '../support/fuzz/fuzz-settings.js';
import { layHostileFiles } from '../support/fuzz/hostile-files.js';
import type { RefContext } from '../support/fuzz/hostile-refs.js';
import { badJobCalls, type BadJobCall } from '../support/fuzz/job-tool-cases.js';
import { setOwn, type JsonSchema } from '../support/fuzz/json-schema.js';
import { startServeProcess, startStdioServer, type FuzzedServer } from '../support/fuzz/spawned-servers.js';
import { mcpProblem, type Blame } from '../support/fuzz/verdicts.js';

// Per door; with the REST file's, well over 2,000 bad inputs in all. HTTP calls cost more.
const RUNS = { stdio: { schema: 300, inputs: 350, jobTools: 150 }, 'streamable-http': { schema: 250, inputs: 250, jobTools: 100 } };
const FUZZ_TIMEOUT = 180_000;

const sent = new SentCounter();

describe.each(['stdio', 'streamable-http'] as const)('MCP over %s under bad input', (door) => {
  let server: FuzzedServer;
  let client: Client;
  let schemas: Map<string, JsonSchema>;
  let refs: RefContext;
  let before: Snapshot;
  const dirs = () => [server.dataDir, FIXTURES, server.cwd, server.tmpDir];

  beforeAll(async () => {
    if (door === 'stdio') {
      const stdio = await startStdioServer();
      server = stdio;
      client = stdio.client;
    } else {
      const http = await startServeProcess();
      server = http;
      client = await http.mcp();
    }
    const traps = await layHostileFiles(server.inputsDir, server.dataDir, FIXTURES);
    refs = { roots: [FIXTURES, server.inputsDir], inputsDir: server.inputsDir, dataDir: server.dataDir, repo: REPO, traps, inlineMaxBytes: 64 * 1024 };
    schemas = new Map((await client.listTools()).tools.map((t) => [t.name, t.inputSchema as JsonSchema]));
    // Anything a first call creates (folders, the link secret) is there before the snapshot.
    await client.callTool({ name: 'list_jobs', arguments: {} });
    before = await snapshotDirs(dirs());
  });

  afterAll(async () => server?.close());

  // Calls a tool and fails the property with the problem, if the answer is not a clear refusal.
  async function expectRefused(name: string, args: Record<string, unknown>, blame: Blame, how: readonly string[]): Promise<void> {
    sent.add(door);
    const outcome = await client.callTool({ name, arguments: args }).then(
      (result) => ({ result }),
      (thrown: unknown) => ({ thrown }),
    );
    const problem = mcpProblem(outcome, blame);
    if (problem) throw new Error(`${name} with ${how.join(' + ')} (seed ${FUZZ_SEED}): ${problem}`);
  }

  const schemaOf = (name: string): JsonSchema => {
    const schema = schemas.get(name);
    if (!schema) throw new Error(`the server does not list ${name}`);
    return schema;
  };
  const submissions = (make: (tool: (typeof catalog)[number], schema: JsonSchema) => fc.Arbitrary<BadSubmission>) =>
    fc.constantFrom(...catalog).chain((tool) => make(tool, schemaOf(mcpToolName(tool))));

  it('refuses catalog arguments broken by their schema, naming the field', { timeout: FUZZ_TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(
        submissions((tool, schema) => schemaBrokenSubmission(tool, schema, refs.traps.valid)),
        (bad) => expectRefused(`${bad.tool}_async`, bad.params, { fields: bad.fields }, bad.how),
      ),
      fuzzRuns(RUNS[door].schema),
    );
  });

  it('refuses inputs no server may accept (paths, URLs, references, inline text), naming the field', { timeout: FUZZ_TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(
        submissions((tool, schema) => hostileInputSubmission(tool, schema, refs)),
        (bad) => expectRefused(`${bad.tool}_async`, bad.params, { fields: bad.fields }, bad.how),
      ),
      fuzzRuns(RUNS[door].inputs),
    );
  });

  it('refuses bad calls of the job tools, naming the field or the job', { timeout: FUZZ_TIMEOUT }, async () => {
    const catalogNames = new Set(catalog.map(mcpToolName));
    const calls = [...schemas.keys()]
      .filter((name) => !catalogNames.has(name))
      .flatMap((name) => badJobCalls(name, schemaOf(name)) ?? []);
    expect(calls.length).toBeGreaterThanOrEqual(5); // status, result, wait, cancel, list
    await fc.assert(
      fc.asyncProperty(fc.oneof(...calls), (bad: BadJobCall) => expectRefused(bad.tool, bad.args, bad.blame, bad.how)),
      fuzzRuns(RUNS[door].jobTools),
    );
  });

  it('still answers afterwards, queued no job, logged no fault and left no file behind', async () => {
    expect(sent.of(door)).toBeGreaterThanOrEqual(RUNS[door].schema + RUNS[door].inputs + RUNS[door].jobTools);
    expect(server.alive()).toBe(true);
    expect(snapshotChanges(before, await snapshotDirs(dirs()))).toEqual([]);
    expect(server.log.loud()).toEqual([]);

    const page = await client.callTool({ name: 'list_jobs', arguments: {} });
    expect(page.structuredContent).toEqual({ jobs: [], next_cursor: null });
    // A good call still works: a real submission is queued (and cancelled; no worker runs).
    const good = await client.callTool({ name: 'blastn_async', arguments: { query: '>q1\nACGTACGTACGTACGTACGT\n', database: 'lambda' } });
    expect(good.isError).toBeFalsy();
    const { job_id } = good.structuredContent as { job_id: string; status: string };
    expect(good.structuredContent).toMatchObject({ status: 'queued', tool: 'blastn' });
    const cancelled = await client.callTool({ name: 'cancel_job', arguments: { job_id } });
    expect(cancelled.structuredContent).toMatchObject({ job_id, status: 'cancelled' });
  });

  // The SDK's zod record would drop an own "__proto__" argument before our strict schema sees it
  // (src/mcp/connect-server.ts refuses it first), so every tool is checked for it by name.
  // Last: a call this accepts queues a job (cancelled here), which the test above would count.
  it('refuses a "__proto__" argument of every catalog tool, naming it', async () => {
    const problems: string[] = [];
    for (const tool of catalog) {
      const args = fc.sample(validParams(tool, schemaOf(mcpToolName(tool)), refs.traps.valid), { numRuns: 1, seed: FUZZ_SEED })[0]!;
      setOwn(args, '__proto__', { polluted: true });
      const result = await client.callTool({ name: mcpToolName(tool), arguments: args });
      const problem = mcpProblem({ result }, { fields: ['__proto__'] });
      if (problem) problems.push(`${mcpToolName(tool)}: ${problem}`);
      const accepted = result.structuredContent as { job_id?: string } | undefined;
      if (!result.isError && accepted?.job_id) await client.callTool({ name: 'cancel_job', arguments: { job_id: accepted.job_id } });
    }
    expect(problems).toEqual([]);
  });
});
