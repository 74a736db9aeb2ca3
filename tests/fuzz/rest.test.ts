// Fuzzing the REST API with bad requests, against one real `serve` (the built command, no
// worker), with raw fetch: submissions whose parameters break the tool's zod schema or carry
// references no server may accept, request envelopes broken by SubmitRequestSchema or naming no
// tool, bodies that are not a JSON object of the request, list queries broken by
// ListQuerySchema, and job routes naming jobs that do not exist. Every answer must be a 4xx with
// our error body naming a field (verdicts.ts); afterwards the server still answers, queued no
// job, logged nothing at warn or above and left no file in its data dir, the input roots, its
// cwd or its TMPDIR.
import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../tools/index.js';
import { ListQuerySchema, SubmitRequestSchema } from '../../src/http/rest-schemas.js';
import { FIXTURES, REPO } from '../support/harness.js';
import { hostileInputSubmission, schemaBrokenSubmission, validParams, type BadSubmission } from '../support/fuzz/catalog-cases.js';
import { snapshotChanges, snapshotDirs, type Snapshot } from '../support/fuzz/dir-snapshot.js';
import { FUZZ_SEED, fuzzRuns, SentCounter } from '../support/fuzz/fuzz-settings.js';
import { layHostileFiles } from '../support/fuzz/hostile-files.js';
import type { RefContext } from '../support/fuzz/hostile-refs.js';
import type { JsonSchema } from '../support/fuzz/json-schema.js';
import { badBody, badListQuery, submitText, unknownJobRoute } from '../support/fuzz/rest-cases.js';
import { brokenObject } from '../support/fuzz/schema-breaks.js';
import { FUZZ_ENV, startServeProcess, type HttpServer } from '../support/fuzz/spawned-servers.js';
import { restProblem, type Blame } from '../support/fuzz/verdicts.js';

const RUNS = { parameters: 250, inputs: 250, envelopes: 120, bodies: 150, lists: 60, jobRoutes: 40 };
const FUZZ_TIMEOUT = 180_000;
const MAX_BODY_BYTES = Number(FUZZ_ENV.BIO_QUEUE_MAX_BODY_BYTES);

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
const paramSchemas = new Map(catalog.map((tool) => [tool.name, jsonSchema(tool.input)]));
const sent = new SentCounter();

let server: HttpServer;
let refs: RefContext;
let before: Snapshot;
const dirs = () => [server.dataDir, FIXTURES, server.cwd, server.tmpDir];

beforeAll(async () => {
  server = await startServeProcess();
  const traps = await layHostileFiles(server.inputsDir, server.dataDir, FIXTURES);
  refs = { roots: [FIXTURES, server.inputsDir], inputsDir: server.inputsDir, dataDir: server.dataDir, repo: REPO, traps, inlineMaxBytes: 64 * 1024 };
  await request('GET', '/jobs');
  before = await snapshotDirs(dirs());
});

afterAll(async () => server?.close());

// One request with the fuzzer's key; the answer's body as JSON when it is JSON.
async function request(method: string, path: string, body?: string | Uint8Array, contentType?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${server.key}`, ...(contentType === undefined ? {} : { 'Content-Type': contentType }), ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

// Sends a bad request and fails the property with the problem, if the answer is not a clear refusal.
async function expectRefused(what: string, send: () => Promise<{ status: number; body: unknown }>, blame: Blame): Promise<void> {
  sent.add('rest');
  const problem = restProblem(await send(), blame);
  if (problem) throw new Error(`${what} (seed ${FUZZ_SEED}): ${problem}`);
}

const submit = (body: unknown) => () => request('POST', '/jobs/submit', JSON.stringify(body), 'application/json');
const submissions = (make: (tool: (typeof catalog)[number], schema: JsonSchema) => fc.Arbitrary<BadSubmission>) =>
  fc.constantFrom(...catalog).chain((tool) => make(tool, paramSchemas.get(tool.name)!));
const refuseSubmission = (bad: BadSubmission) =>
  expectRefused(`${bad.tool} with ${bad.how.join(' + ')}`, submit({ job_type: bad.tool, parameters: bad.params }), { fields: bad.fields });

describe('REST under bad input', () => {
  it('refuses submissions whose parameters break the tool\'s schema, naming the field', { timeout: FUZZ_TIMEOUT }, async () => {
    await fc.assert(fc.asyncProperty(submissions((tool, schema) => schemaBrokenSubmission(tool, schema, refs.traps.valid)), refuseSubmission), fuzzRuns(RUNS.parameters));
  });

  it('refuses submissions with inputs no server may accept, naming the field', { timeout: FUZZ_TIMEOUT }, async () => {
    await fc.assert(fc.asyncProperty(submissions((tool, schema) => hostileInputSubmission(tool, schema, refs)), refuseSubmission), fuzzRuns(RUNS.inputs));
  });

  it('refuses request envelopes broken by their schema or naming no tool, naming the field', { timeout: FUZZ_TIMEOUT }, async () => {
    const envelope = jsonSchema(SubmitRequestSchema);
    const valid = fc.constantFrom(...catalog).chain((tool) =>
      fc.record({ job_type: fc.constant(tool.name), parameters: validParams(tool, paramSchemas.get(tool.name)!, refs.traps.valid), priority: fc.integer({ min: 1, max: 10 }) }, { requiredKeys: ['job_type', 'parameters'] }),
    );
    const names = new Set(catalog.map((tool) => tool.name));
    const unknownTool = fc
      .tuple(valid, fc.oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.constantFrom(...catalog.map((t) => `${t.name}_async`), 'BLASTN', '__proto__', 'constructor', 'toString', ' blastn')))
      .filter(([, name]) => !names.has(name))
      .map(([body, name]) => ({ value: { ...body, job_type: name }, fields: ['job_type'], how: ['unknown tool'] }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(brokenObject(envelope, valid)!, unknownTool), (bad) => expectRefused(`envelope with ${bad.how.join(' + ')}`, submit(bad.value), { fields: bad.fields })),
      fuzzRuns(RUNS.envelopes),
    );
  });

  it('refuses bodies that are not a JSON object of the request, naming the body or the field', { timeout: FUZZ_TIMEOUT }, async () => {
    const bodies = badBody(submissions((tool, schema) => schemaBrokenSubmission(tool, schema, refs.traps.valid)), MAX_BODY_BYTES);
    await fc.assert(
      fc.asyncProperty(bodies, (bad) => expectRefused(`a body ${bad.how}`, () => request('POST', '/jobs/submit', bad.body, bad.contentType), { fields: bad.fields })),
      fuzzRuns(RUNS.bodies),
    );
  });

  it('refuses list queries broken by their schema, naming the parameter', { timeout: FUZZ_TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(badListQuery(jsonSchema(ListQuerySchema)), (bad) => expectRefused(`GET /jobs?${bad.query} (${bad.how})`, () => request('GET', `/jobs?${bad.query}`), { fields: bad.fields })),
      fuzzRuns(RUNS.lists),
    );
  });

  it('answers not_found naming the job for any job id that does not exist', { timeout: FUZZ_TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(unknownJobRoute(), (route) => expectRefused(`${route.method} ${route.path}`, () => request(route.method, route.path), { fields: [], jobId: route.jobId })),
      fuzzRuns(RUNS.jobRoutes),
    );
  });

  it('still answers afterwards, queued no job, logged no fault and left no file behind', async () => {
    expect(sent.of('rest')).toBeGreaterThanOrEqual(Object.values(RUNS).reduce((a, b) => a + b, 0));
    expect(server.alive()).toBe(true);
    expect(snapshotChanges(before, await snapshotDirs(dirs()))).toEqual([]);
    expect(server.log.loud()).toEqual([]);

    expect(await request('GET', '/jobs')).toEqual({ status: 200, body: { jobs: [], next_cursor: null } });
    // A good call still works: a real submission is queued (and cancelled; no worker runs).
    const good = await request('POST', '/jobs/submit', JSON.stringify({ job_type: 'blastn', parameters: { query: '>q1\nACGTACGTACGTACGTACGT\n', database: 'lambda' } }), 'application/json');
    expect(good).toMatchObject({ status: 202, body: { status: 'queued', tool: 'blastn' } });
    const jobId = (good.body as { job_id: string }).job_id;
    expect(await request('DELETE', `/jobs/${jobId}`)).toMatchObject({ status: 200, body: { job_id: jobId, status: 'cancelled' } });
  });
});

// Refusals that belong to the HTTP layer (body-parser's and the router's errors, mapped in
// src/http/http-errors.ts), fixed there by issue 8's "500s for client mistakes". Kept apart and
// after the checks above, as each 500 is also logged as an error.
describe('REST under bad input the HTTP layer must refuse', () => {
  it('refuses a body it cannot decode, and a job id that is not valid percent-encoding, naming it', { timeout: FUZZ_TIMEOUT }, async () => {
    const token = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    const inner = submissions((tool, schema) => schemaBrokenSubmission(tool, schema, refs.traps.valid));
    const header = ['body', 'charset', 'Content-Type', 'Content-Encoding'];
    const charset = fc.tuple(inner, fc.oneof(fc.constantFrom('foo', 'utf-7', 'ebcdic', 'x-user-defined', ''), token)).map(([bad, name]) => ({
      what: `a body in charset ${JSON.stringify(name)}`,
      send: () => request('POST', '/jobs/submit', submitText(bad), `application/json; charset=${name}`),
      blame: { fields: [...header, ...bad.fields] },
    }));
    const encoding = fc.tuple(inner, fc.oneof(fc.constantFrom('gzip', 'deflate', 'br', 'x-gzip', 'compress', 'zstd', 'gzip, gzip'), token)).map(([bad, name]) => ({
      what: `a plain body said to be ${JSON.stringify(name)}`,
      send: () => request('POST', '/jobs/submit', submitText(bad), 'application/json', { 'Content-Encoding': name }),
      blame: { fields: [...header, ...bad.fields] },
    }));
    const badEscape = fc.tuple(fc.stringMatching(/^[a-z0-9-]{0,20}$/), fc.constantFrom('%', '%E0%A4%A', '%zz', '%C0', '%ED%A0%80', '%FF')).map(([id, escape]) => ({
      what: `GET /jobs/${id}${escape}/status`,
      send: () => request('GET', `/jobs/${id}${escape}/status`),
      blame: { fields: ['job_id', 'id', 'path'], jobId: `${id}${escape}` },
    }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(charset, encoding, badEscape), (bad) => expectRefused(bad.what, bad.send, bad.blame)),
      fuzzRuns(40),
    );
  });
});
