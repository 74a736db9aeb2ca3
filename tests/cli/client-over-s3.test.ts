// The terminal commands against a `serve` on S3 storage (radosgw, which checks every SigV4
// signature as production S3 does): a local file goes up through the presigned upload link,
// and result --download fetches the presigned result links, checked against their sha256.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/jobs/job-model.js';
import { runByHand } from '../support/by-hand.js';
import { runCli } from '../support/cli-process.js';
import { FIXTURES } from '../support/harness.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

let s3: S3Server;
let h: HttpHarness;
let dir: string;

beforeAll(async () => {
  s3 = await startS3Server('radosgw');
  h = await startHttpHarness({ env: s3.env('bioq-cli-test') });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-cli-s3-'));
}, 180_000);

afterAll(async () => {
  await h?.close();
  await s3?.remove();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('bio-mcp-queue submit and result --download on S3 storage', () => {
  it('uploads local files through presigned links and downloads the results byte-equal to blastn by hand', async () => {
    const env = { BIO_QUEUE_URL: h.url, BIO_QUEUE_API_KEY: h.keys.alice };
    const build = await runCli(['submit', 'make_blast_db', '--input', path.join(FIXTURES, 'lambda_virus.fa'), '--name', 'lambda', '--dbtype', 'nucl', '--wait'], env);
    expect(build.exitCode, build.stderr).toBe(0);
    const run = await runCli(['submit', 'blastn', '--query', path.join(FIXTURES, 'lambda_queries.fa'), '--database', 'lambda', '--wait', '--json'], env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Uploading ${path.join(FIXTURES, 'lambda_queries.fa')} (`);
    const result = JSON.parse(run.stdout) as JobResult;
    expect(result.files[0]!.url.startsWith(`${s3.endpoint}/bioq-cli-test/results/${result.job_id}/hits.tsv?`)).toBe(true);

    const download = await runCli(['result', result.job_id, '--download', dir], env);
    expect(download.exitCode, download.stderr).toBe(0);
    const hand = await runByHand(
      { 'q.fa': path.join(FIXTURES, 'lambda_queries.fa') },
      'blastn -task megablast -query q.fa -db lambda -evalue 10 -max_target_seqs 500 -num_threads 1 -outfmt 6 -out hits.tsv',
      { BLASTDB: h.config.dbDir },
    );
    const byHand = await hand.file('hits.tsv');
    await hand.remove();
    expect((await fs.readFile(path.join(dir, 'hits.tsv'))).equals(byHand)).toBe(true);
  });
});
