// Two API keys on one server cannot see each other's work: every way of reaching a job answers
// bob about alice's job exactly as about a job that never existed; neither can use the other's
// MCP sessions or uploads; the admin key sees everything.
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult, JobStatus, Submission } from '../../src/jobs/job-model.js';
import type { JobPage } from '../../src/jobs/job-model.js';
import type { UploadTicket } from '../../src/storage/result-store.js';
import { callError, callOk, FIXTURES, waitDone } from '../support/harness.js';
import { startHttpHarness, waitForJob, type Answer, type HttpHarness } from '../support/http-harness.js';

let h: HttpHarness;
let aliceJob: string;
let bobJob: string;
const UNKNOWN = 'blast-0000000000000000';
const QUERY = path.join(FIXTURES, 'lambda_queries.fa');

const notFound = (id: string) => ({ code: 'not_found', message: `no job "${id}"; list_jobs shows the jobs that exist` });

beforeAll(async () => {
  h = await startHttpHarness();
  const submit = async (key: string, job_type: string, parameters: Record<string, unknown>) => {
    const answer = await h.api<Submission>(key, 'POST', '/jobs/submit', { job_type, parameters });
    expect(answer.status).toBe(202);
    const done = await waitForJob(h.url, key, answer.body.job_id);
    expect(done.status).toBe('completed');
    return answer.body.job_id;
  };
  await submit(h.keys.admin, 'make_blast_db', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
  aliceJob = await submit(h.keys.alice, 'blastn', { query: QUERY, database: 'lambda' });
  bobJob = await submit(h.keys.bob, 'blastn', { query: QUERY, database: 'lambda' });
});

afterAll(async () => h?.close());

// What a caller learns of a job id: status, headers that matter, and the body with the id put back generic.
function shape(answer: Answer<unknown>, id: string) {
  return {
    status: answer.status,
    contentType: answer.headers.get('content-type'),
    body: JSON.parse(JSON.stringify(answer.body).replaceAll(id, '<id>')),
  };
}

describe('another user\'s job', () => {
  for (const [route, method, suffix] of [
    ['status', 'GET', '/status'],
    ['result', 'GET', '/result'],
    ['events', 'GET', '/events'],
    ['cancel', 'DELETE', ''],
  ] as const) {
    it(`answers ${route} with the same 404 as an unknown job`, async () => {
      const theirs = await h.api(h.keys.bob, method, `/jobs/${aliceJob}${suffix}`);
      const unknown = await h.api(h.keys.bob, method, `/jobs/${UNKNOWN}${suffix}`);
      expect(theirs.status).toBe(404);
      expect(theirs.body).toEqual(notFound(aliceJob));
      expect(shape(theirs, aliceJob)).toEqual(shape(unknown, UNKNOWN));
    });
  }

  it('is missing from the list, while the admin lists both users\' jobs', async () => {
    const bobs = (await h.api<JobPage>(h.keys.bob, 'GET', '/jobs')).body.jobs.map((j) => j.job_id);
    expect(bobs).toEqual([bobJob]);
    const alices = (await h.api<JobPage>(h.keys.alice, 'GET', '/jobs')).body.jobs.map((j) => j.job_id);
    expect(alices).toEqual([aliceJob]);
    const all = (await h.api<JobPage>(h.keys.admin, 'GET', '/jobs')).body.jobs.map((j) => j.job_id);
    expect(all).toEqual(expect.arrayContaining([aliceJob, bobJob]));
    expect(all).toHaveLength(3);
  });

  it('was not cancelled by bob\'s attempt, and stays readable by alice and the admin', async () => {
    await h.api(h.keys.bob, 'DELETE', `/jobs/${aliceJob}`);
    expect((await h.api<JobStatus>(h.keys.alice, 'GET', `/jobs/${aliceJob}/status`)).body.status).toBe('completed');
    const asAdmin = await h.api<JobResult>(h.keys.admin, 'GET', `/jobs/${aliceJob}/result`);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.files).toHaveLength(1);
  });

  it('gives bob no file link, and no way to read its files over MCP', async () => {
    const bob = await h.mcp(h.keys.bob);
    expect(await callError(bob, 'get_job_result', { job_id: aliceJob })).toBe(`not_found: no job "${aliceJob}"; list_jobs shows the jobs that exist`);
    const alice = await h.mcp(h.keys.alice);
    const result = await callOk<JobResult>(alice, 'get_job_result', { job_id: aliceJob });
    await expect(bob.readResource({ uri: result.files[0]!.resource_uri })).rejects.toThrow(`no job "${aliceJob}"`);
    // A link of alice's, altered to name bob's file, is refused.
    const forged = result.files[0]!.url.replace(aliceJob, bobJob);
    expect((await fetch(forged)).status).toBe(403);
  });
});

describe('another user\'s MCP session', () => {
  it('answers bob on alice\'s Streamable HTTP session as on an unknown one', async () => {
    const alice = await h.mcp(h.keys.alice);
    const sessionId = (alice as unknown as { transport: { sessionId: string } }).transport.sessionId;
    const post = (id: string) =>
      fetch(`${h.url}/mcp`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${h.keys.bob}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'mcp-session-id': id },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    const theirs = await post(sessionId);
    const unknown = await post('00000000-0000-0000-0000-000000000000');
    expect(theirs.status).toBe(404);
    expect((await theirs.text()).replace(sessionId, '<id>')).toBe((await unknown.text()).replace('00000000-0000-0000-0000-000000000000', '<id>'));
    // And alice's session is untouched.
    expect((await alice.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('answers bob on alice\'s legacy SSE session as on an unknown one', async () => {
    // Open a legacy SSE stream as alice and read the endpoint event that names her session.
    const endpoint = await new Promise<{ path: string; close: () => void }>((resolve, reject) => {
      const req = http.get(`${h.url}/sse`, { headers: { Authorization: `Bearer ${h.keys.alice}`, Accept: 'text/event-stream' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          const match = /event: endpoint\ndata: (\S+)\n\n/.exec(text);
          if (match) resolve({ path: match[1]!, close: () => req.destroy() });
        });
      });
      req.on('error', reject);
    });
    expect(endpoint.path).toMatch(/^\/messages\?sessionId=[0-9a-f-]{36}$/);
    const sessionId = new URL(endpoint.path, h.url).searchParams.get('sessionId')!;
    const post = (key: string, id: string) =>
      h.api(key, 'POST', `/messages?sessionId=${id}`, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const theirs = await post(h.keys.bob, sessionId);
    const unknown = await post(h.keys.bob, 'nope');
    expect(theirs.status).toBe(404);
    expect(shape(theirs, sessionId)).toEqual(shape(unknown, 'nope'));
    expect((await post(h.keys.alice, sessionId)).status).toBe(202);
    endpoint.close();
  });
});

describe('another user\'s upload', () => {
  it('is no input for bob: the same answer as an upload that does not exist', async () => {
    const ticket = (await h.api<UploadTicket>(h.keys.alice, 'POST', '/uploads')).body;
    expect((await fetch(ticket.url, { method: 'PUT', body: 'ACGT\n'.repeat(2).replace(/^/, '>s\n') })).status).toBe(200);
    const asBob = await h.api(h.keys.bob, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: ticket.upload_ref, database: 'lambda' } });
    expect(asBob.status).toBe(400);
    expect(asBob.body).toEqual({
      code: 'input_invalid',
      field: 'query',
      message: `query: no finished upload "${ticket.upload_ref}" (PUT the file to its upload URL first; links expire)`,
    });
    const asAlice = await h.api<Submission>(h.keys.alice, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: ticket.upload_ref, database: 'lambda' } });
    expect(asAlice.status).toBe(202);
    const alice = await h.mcp(h.keys.alice);
    expect((await waitDone(alice, asAlice.body.job_id)).status).toBe('completed');
  });
});

// Last: these submit more of alice's jobs, which the listing tests above do not expect.
describe('job:// inputs', () => {
  it("let a user chain from their own job's output, and answer another user's job:// as an unknown job", async () => {
    const mine = await h.api<Submission>(h.keys.alice, 'POST', '/jobs/submit', {
      job_type: 'make_blast_db',
      parameters: { input: `job://${aliceJob}/hits.tsv`, name: 'x', dbtype: 'nucl' },
    });
    // Alice's own output is found (and then refused by the worker as not FASTA: a real input check).
    expect(mine.status).toBe(202);
    const done = await waitForJob(h.url, h.keys.alice, mine.body.job_id);
    expect(done.error).toEqual(expect.objectContaining({ code: 'input_invalid', field: 'input', message: 'input: not FASTA: line 1 should be a header starting with ">" but reads "r1\\tNC_001416.1\\t97.541\\t122\\t3\\t0\\t1\\t122\\t1840…"' }));

    const theirs = await h.api(h.keys.bob, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: `job://${aliceJob}/hits.tsv`, database: 'lambda' } });
    const unknown = await h.api(h.keys.bob, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: `job://${UNKNOWN}/hits.tsv`, database: 'lambda' } });
    expect(theirs.status).toBe(400);
    expect(theirs.body).toEqual({ code: 'input_invalid', field: 'query', message: `query: no job "${aliceJob}"; list_jobs shows the jobs that exist` });
    expect(shape(theirs, aliceJob)).toEqual(shape(unknown, UNKNOWN));
  });

  it('names the files a job has when the one asked for is not among them', async () => {
    const answer = await h.api(h.keys.alice, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: `job://${aliceJob}/hits.fa`, database: 'lambda' } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ code: 'input_invalid', field: 'query', message: `query: job ${aliceJob} has no output file "hits.fa" (its files: "hits.tsv")` });
  });
});
