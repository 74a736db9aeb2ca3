// `serve` on S3 storage, on real S3-compatible servers: s3rver, and radosgw, which checks every
// signature (the server's and the worker's requests and the links' alike). The REST result links
// and upload links are the store's presigned ones, a search fed by an upload completes, and the
// local /files route does not exist.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult, Submission } from '../../src/jobs/job-model.js';
import type { HealthReport } from '../../src/jobs/job-model.js';
import type { UploadTicket } from '../../src/storage/result-store.js';
import { FIXTURES } from '../support/harness.js';
import { startHttpHarness, waitForJob, type HttpHarness } from '../support/http-harness.js';
import { S3_SERVER_KINDS, startS3Server, type S3Server } from '../support/s3-server.js';

let s3: S3Server;
let h: HttpHarness;

async function run(key: string, job_type: string, parameters: Record<string, unknown>): Promise<JobResult> {
  const submitted = await h.api<Submission>(key, 'POST', '/jobs/submit', { job_type, parameters });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  expect((await waitForJob(h.url, key, submitted.body.job_id)).status).toBe('completed');
  return (await h.api<JobResult>(key, 'GET', `/jobs/${submitted.body.job_id}/result`)).body;
}

// Everything below runs on each server kind in turn; s3 and h are those of the block running now.
describe.each(S3_SERVER_KINDS)('on %s', (kind) => {
  beforeAll(async () => {
    s3 = await startS3Server(kind);
    h = await startHttpHarness({ env: s3.env('bioq-serve-test') });
    await run(h.keys.alice, 'make_blast_db', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
  }, 180_000);

  afterAll(async () => {
    await h?.close();
    await s3?.remove();
  });

  describe('serve with S3 storage', () => {
    it('reports S3 in /health', async () => {
      expect((await h.api<HealthReport>(undefined, 'GET', '/health')).body.storage).toEqual({ ok: true, backend: 's3' });
    });

    it('runs an uploaded FASTA through blastn and links the result in the bucket', async () => {
      const ticket = (await h.api<UploadTicket>(h.keys.alice, 'POST', '/uploads')).body;
      expect(ticket.url.startsWith(`${s3.endpoint}/bioq-serve-test/uploads/alice/${ticket.upload_id}?`)).toBe(true);
      const fasta = await fs.readFile(path.join(FIXTURES, 'lambda_queries.fa'));
      expect((await fetch(ticket.url, { method: 'PUT', body: fasta })).status).toBe(200);

      const result = await run(h.keys.alice, 'blastn', { query: ticket.upload_ref, database: 'lambda' });
      expect(result.summary).toMatchObject({ queries_with_hits: 20 });
      const file = result.files[0]!;
      expect(file.url.startsWith(`${s3.endpoint}/bioq-serve-test/results/${result.job_id}/hits.tsv?`)).toBe(true);
      const bytes = Buffer.from(await (await fetch(file.url)).arrayBuffer());
      expect(bytes.length).toBe(file.size_bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    });

    it('has no /files route', async () => {
      const answer = await h.api(undefined, 'GET', '/files/uploads/alice/xxxxxxxxxxxxxxxxxxxxxx?expires=1&sig=x');
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ code: 'not_found', message: 'no route GET /files/uploads/alice/xxxxxxxxxxxxxxxxxxxxxx' });
    });
  });
});
