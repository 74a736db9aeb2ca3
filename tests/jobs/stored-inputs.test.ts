// upload:// and s3:// inputs are resolved at submit, for the submitting owner only, against a
// real S3-compatible server: an upload belongs to whoever made it, its size is capped (a
// presigned PUT cannot cap itself), and s3:// reaches only the allowed buckets.
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BioQueueError } from '../../src/errors.js';
import type { Caller } from '../../src/jobs/caller.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startHarness, type Harness } from '../support/harness.js';

const alice: Caller = { owner: 'alice', admin: false, remote: true };
const bob: Caller = { owner: 'bob', admin: false, remote: true };
const FASTA = '>q1\nACGTACGTACGTACGTACGTACGTACGTAGCTAGCTAGCTAGCATCGATCGATCGA\n';

let s3: S3Server;
let h: Harness;

async function upload(caller: Caller, body: string): Promise<string> {
  const ticket = await h.runtime.jobs.createUpload(caller);
  const put = await fetch(ticket.url, { method: 'PUT', body });
  expect(put.status).toBe(200);
  return ticket.upload_ref;
}

// An object some other program put in another bucket, written with the SDK directly.
async function putObject(bucket: string, key: string, body: string): Promise<void> {
  const settings = s3.settings(bucket);
  const client = new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKeyId!, secretAccessKey: settings.secretAccessKey! },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  client.destroy();
}

async function submitError(caller: Caller, query: string): Promise<string> {
  try {
    await h.runtime.jobs.submit('blastn', { query, database: 'nt' }, { priority: 5, caller });
  } catch (err) {
    if (err instanceof BioQueueError && err.code === 'input_invalid') return err.message;
    throw err;
  }
  throw new Error('the submission was accepted but should have been refused');
}

beforeAll(async () => {
  s3 = await startS3Server();
  h = await startHarness({
    embeddedWorker: false,
    env: { ...s3.env('stored-inputs'), BIO_QUEUE_UPLOAD_MAX_BYTES: '200', BIO_STORAGE_ALLOWED_BUCKETS: 'shared-refs,stored-inputs' },
  });
});

afterAll(async () => {
  await h?.close();
  await s3?.remove();
});

describe('upload:// inputs', () => {
  it('accepts the owner\'s finished upload and records it as a stored input', async () => {
    const ref = await upload(alice, FASTA);
    const submission = await h.runtime.jobs.submit('blastn', { query: ref, database: 'nt' }, { priority: 5, caller: alice });
    expect((await h.runtime.jobs.status(submission.job_id, alice)).status).toBe('queued');
  });

  it('refuses another owner\'s upload as if it did not exist', async () => {
    const ref = await upload(alice, FASTA);
    expect(await submitError(bob, ref)).toBe(`query: no finished upload "${ref}" (PUT the file to its upload URL first; links expire)`);
  });

  it('refuses an upload link that was never used, and one over BIO_QUEUE_UPLOAD_MAX_BYTES', async () => {
    const unused = await h.runtime.jobs.createUpload(alice);
    expect(await submitError(alice, unused.upload_ref)).toMatch(/^query: no finished upload/);
    const big = await upload(alice, FASTA.repeat(10));
    expect(await submitError(alice, big)).toMatch(/^query: the upload "upload:\/\/[\w-]+" is \d+ bytes, more than the 200-byte limit \(BIO_QUEUE_UPLOAD_MAX_BYTES\)$/);
  });
});

describe('s3:// inputs', () => {
  it('accepts an existing object of an allowed bucket, and names the problem otherwise', async () => {
    // An object some other tool put in an allowed bucket.
    await putObject('shared-refs', 'lab/q.fa', FASTA);
    await expect(h.runtime.jobs.submit('blastn', { query: 's3://shared-refs/lab/q.fa', database: 'nt' }, { priority: 5, caller: bob })).resolves.toMatchObject({ status: 'queued' });
    expect(await submitError(bob, 's3://shared-refs/no/such/object.fa')).toBe('query: no object s3://shared-refs/no/such/object.fa');
    expect(await submitError(bob, 's3://other-bucket/q.fa')).toBe('query: bucket "other-bucket" is not one s3:// inputs may use (BIO_STORAGE_ALLOWED_BUCKETS: shared-refs, stored-inputs)');
  });

  it('never reaches our own uploads, results or staged inputs by key, even with our bucket allowed', async () => {
    const ref = await upload(alice, FASTA);
    const key = (await h.runtime.store.findUpload('alice', ref.slice('upload://'.length)))!.key;
    expect(await submitError(bob, `s3://stored-inputs/${key}`)).toBe(`query: s3://stored-inputs/${key} is bio-mcp-queue's own storage; give an upload:// reference instead`);
    expect(await submitError(bob, 's3://stored-inputs/results/blast-x/hits.tsv')).toMatch(/is bio-mcp-queue's own storage/);
  });
});
