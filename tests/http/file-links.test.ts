// /files links of local storage behind `serve`: the link is the permission, so any change to it
// (signature, expiry, file, method) and any expired link get 403 before a byte is read.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult, Submission } from '../../src/jobs/job-model.js';
import { LocalResultStore } from '../../src/storage/local-result-store.js';
import type { UploadTicket } from '../../src/storage/result-store.js';
import { FIXTURES } from '../support/harness.js';
import { startHttpHarness, waitForJob, type HttpHarness } from '../support/http-harness.js';

let h: HttpHarness;
let link: URL;
let key: string;

const INVALID = { code: 'forbidden', message: 'link: the signature does not match this GET of this file (altered or incomplete link)' };
const EXPIRED = { code: 'forbidden', message: 'link: expired; ask for a fresh one (get_job_result and GET /jobs/{id}/result sign new links on every call)' };

async function get(url: URL | string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  const isJson = response.headers.get('content-type')?.startsWith('application/json');
  return { status: response.status, body: isJson ? await response.json() : await response.text() };
}

beforeAll(async () => {
  h = await startHttpHarness();
  const build = await h.api<Submission>(h.keys.alice, 'POST', '/jobs/submit', {
    job_type: 'make_blast_db',
    parameters: { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' },
  });
  expect((await waitForJob(h.url, h.keys.alice, build.body.job_id)).status).toBe('completed');
  const result = (await h.api<JobResult>(h.keys.alice, 'GET', `/jobs/${build.body.job_id}/result`)).body;
  link = new URL(result.files[0]!.url);
  key = `${build.body.job_id}/makeblastdb.log`;
});

afterAll(async () => h?.close());

describe('a signed /files link', () => {
  it('downloads as given', async () => {
    const answer = await get(link);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('lambda');
  });

  it('is refused with 403 once its signature, expiry or file is changed', async () => {
    const sig = link.searchParams.get('sig')!;
    const altered = (change: (u: URL) => void) => {
      const u = new URL(link);
      change(u);
      return u;
    };
    const flipped = sig[0] === 'A' ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
    expect(await get(altered((u) => u.searchParams.set('sig', flipped)))).toEqual({ status: 403, body: INVALID });
    expect(await get(altered((u) => u.searchParams.delete('sig')))).toEqual({ status: 403, body: INVALID });
    expect(await get(altered((u) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600))))).toEqual({ status: 403, body: INVALID });
    expect(await get(altered((u) => (u.pathname = u.pathname.replace('makeblastdb.log', 'lambda.ndb'))))).toEqual({ status: 403, body: INVALID });
  });

  it('is refused with 403 once expired', async () => {
    const signer = (h.server.runtime.store as LocalResultStore).signer!;
    const ttlMs = h.config.http.linkTtlSeconds * 1000;
    const old = signer.sign('GET', key, Date.now() - 2 * ttlMs);
    expect(Date.parse(old.expires_at)).toBeLessThan(Date.now());
    expect(await get(old.url)).toEqual({ status: 403, body: EXPIRED });
  });

  it('works for its own method only', async () => {
    expect(await get(link, { method: 'PUT', body: 'overwrite' })).toEqual({
      status: 403,
      body: { code: 'forbidden', message: 'link: the signature does not match this PUT of this file (altered or incomplete link)' },
    });
    const ticket = (await h.api<UploadTicket>(h.keys.alice, 'POST', '/uploads')).body;
    expect(await get(ticket.url)).toEqual({ status: 403, body: INVALID });
  });

  it('needs no API key, and ignores one', async () => {
    expect((await get(link, { headers: { Authorization: 'Bearer nonsense' } })).status).toBe(200);
  });
});
