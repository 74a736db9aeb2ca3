// S3ResultStore against real S3-compatible servers, s3rver and radosgw (which checks signatures
// as AWS does): what goes in comes out byte for byte through presigned links, expired links are
// refused by the store itself, and a store that cannot be reached is an infrastructure error (so
// jobs retry) naming where it is. What a link's signature protects: s3-signatures.test.ts.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BioQueueError } from '../../src/errors.js';
import { S3ResultStore } from '../../src/storage/s3-result-store.js';
import { isAbsent, makeTempDir } from '../inputs/temp-dir.js';
import { S3_SERVER_KINDS, startS3Server, type S3Server } from '../support/s3-server.js';

const TTL = 600;
const MiB = 1024 * 1024;

let s3: S3Server;
let tmp: string;
let bucketCount = 0;

// A store on a bucket no other test touches.
function freshStore(options: { ttl?: number; uploadMaxBytes?: number } = {}): S3ResultStore {
  return new S3ResultStore({
    settings: s3.settings(`bucket-${++bucketCount}`),
    linkTtlSeconds: options.ttl ?? TTL,
    uploadMaxBytes: options.uploadMaxBytes ?? 50 * MiB,
  });
}

async function readyStore(options?: { ttl?: number; uploadMaxBytes?: number }): Promise<S3ResultStore> {
  const store = freshStore(options);
  await store.ensureBucket();
  return store;
}

async function tempFile(name: string, content: Buffer | string): Promise<string> {
  const file = path.join(tmp, `${++bucketCount}-${name}`);
  await fs.writeFile(file, content);
  return file;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function download(url: string): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

beforeAll(async () => {
  tmp = await makeTempDir('s3-store');
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

// Every test below runs on each server kind in turn; s3 is the server of the block running now.
describe.each(S3_SERVER_KINDS)('on %s', (kind) => {
  beforeAll(async () => {
    s3 = await startS3Server(kind);
  }, 180_000);

  afterAll(async () => {
    await s3?.remove();
  });

  describe('the bucket', () => {
    it('is created when missing, and found when it exists, also by two stores at once', async () => {
      const store = freshStore();
      await expect(store.check()).rejects.toMatchObject({
        code: 'infrastructure',
        message: `S3 storage at ${s3.endpoint}, bucket "bucket-${bucketCount}": the bucket does not exist (it is created when the server or a worker starts)`,
      });
      await store.ensureBucket();
      await expect(store.check()).resolves.toBeUndefined();
      await expect(store.ensureBucket()).resolves.toBeUndefined();

      const settings = s3.settings('raced-bucket');
      const racers = [1, 2, 3].map(() => new S3ResultStore({ settings, linkTtlSeconds: TTL, uploadMaxBytes: MiB }));
      await Promise.all(racers.map((r) => r.ensureBucket()));
      await expect(racers[0]!.check()).resolves.toBeUndefined();
    });
  });

  describe('results', () => {
    let store: S3ResultStore;
    beforeAll(async () => {
      store = await readyStore();
    });

    it.each([
      ['a small file, sent in one PUT', 1000],
      ['a 20 MiB file, sent as a multipart upload', 20 * MiB + 12345],
    ])('stores %s and serves it byte for byte through a presigned link', async (_what, size) => {
      const content = randomBytes(size);
      const source = await tempFile('hits.tsv', content);
      const stored = await store.put('blast-0000000000000001', `hits-${size}.tsv`, source, 'text/tab-separated-values');
      expect(stored).toEqual({
        name: `hits-${size}.tsv`,
        key: `results/blast-0000000000000001/hits-${size}.tsv`,
        size_bytes: size,
        sha256: sha256(content),
        media_type: 'text/tab-separated-values',
      });

      const before = Date.now();
      const link = await store.link(stored);
      expect(link.url).toMatch(new RegExp(`^${s3.endpoint}/bucket-\\d+/results/blast-0000000000000001/hits-${size}\\.tsv\\?`));
      expect(new URL(link.url).searchParams.get('X-Amz-Expires')).toBe(String(TTL));
      const expiresAt = Date.parse(link.expires_at!);
      expect(expiresAt).toBeGreaterThanOrEqual(before + TTL * 1000 - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + TTL * 1000);

      const response = await fetch(link.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/tab-separated-values');
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.length).toBe(size);
      expect(sha256(body)).toBe(stored.sha256);
      expect(body.equals(content)).toBe(true);
    });

    it('reads byte ranges, fewer at the end and none past it', async () => {
      const content = Buffer.from('0123456789abcdefghij');
      const stored = await store.put('blast-0000000000000002', 'hits.tsv', await tempFile('r.tsv', content), 'text/plain');
      await expect(store.read(stored.key, 0, 5)).resolves.toEqual(Buffer.from('01234'));
      await expect(store.read(stored.key, 10, 4)).resolves.toEqual(Buffer.from('abcd'));
      await expect(store.read(stored.key, 15, 100)).resolves.toEqual(Buffer.from('fghij'));
      await expect(store.read(stored.key, 20, 10)).resolves.toEqual(Buffer.alloc(0));
      await expect(store.read(stored.key, 3, 0)).resolves.toEqual(Buffer.alloc(0));
    });

    it('answers not_found for a key that is not there', async () => {
      await expect(store.read('results/blast-0000000000000404/hits.tsv', 0, 10)).rejects.toMatchObject({
        name: 'BioQueueError',
        code: 'not_found',
      });
    });
  });

  describe('public endpoint', () => {
    it('signs links for the endpoint clients reach when it differs from the one the server uses', async () => {
      // "localhost" reaches the same server as 127.0.0.1, as http://minio:9000 and
      // http://localhost:9000 reach one MinIO in docker-compose.
      const publicEndpoint = `http://localhost:${s3.port}`;
      const store = new S3ResultStore({ settings: { ...s3.settings('public-bucket'), publicEndpoint }, linkTtlSeconds: TTL, uploadMaxBytes: MiB });
      await store.ensureBucket();
      const stored = await store.put('blast-0000000000000006', 'hits.tsv', await tempFile('p.tsv', 'p\n'), 'text/plain');
      const link = await store.link(stored);
      expect(link.url.startsWith(`${publicEndpoint}/public-bucket/results/blast-0000000000000006/hits.tsv?`)).toBe(true);
      expect(await download(link.url)).toEqual({ status: 200, body: Buffer.from('p\n') });
      const ticket = await store.createUpload('alice');
      expect(ticket.url.startsWith(`${publicEndpoint}/public-bucket/uploads/alice/`)).toBe(true);
    });
  });

  describe('link lifetime', () => {
    it('is refused by the store once expired; a link made afresh works again', async () => {
      const store = await readyStore({ ttl: 2 });
      const stored = await store.put('blast-0000000000000003', 'hits.tsv', await tempFile('e.tsv', 'a\tb\n'), 'text/plain');
      const link = await store.link(stored);
      // Wait out the lifetime (plus a second: the expiry is counted in whole seconds).
      await new Promise((resolve) => setTimeout(resolve, Date.parse(link.expires_at!) - Date.now() + 1500));
      const expired = await download(link.url);
      expect(expired.status).toBe(403);
      expect(expired.body.toString()).toContain('<Code>AccessDenied</Code>');

      // Signed at a whole second's start: the signing time is counted in whole seconds too, so a
      // link signed late in a second lives up to a second less than its lifetime (this test once
      // got a fresh 1 s link that had expired on arrival, under a loaded full suite).
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000)));
      const fresh = await download((await store.link(stored)).url);
      expect(fresh.status).toBe(200);
      expect(fresh.body.toString()).toBe('a\tb\n');
    });
  });

  describe('removal', () => {
    it('removeJob takes a job\'s results and staged inputs, and nothing of other jobs', async () => {
      const store = await readyStore();
      const file = await tempFile('x.tsv', 'x\n');
      const a1 = await store.put('blast-00000000000000aa', 'hits.tsv', file, 'text/plain');
      const a2 = await store.put('blast-00000000000000aa', 'hits.json', file, 'application/json');
      const aInput = await store.stageInput('blast-00000000000000aa', 'query', file);
      const b = await store.put('blast-00000000000000bb', 'hits.tsv', file, 'text/plain');
      const bInput = await store.stageInput('blast-00000000000000bb', 'query', file);

      await store.removeJob('blast-00000000000000aa');
      for (const key of [a1.key, a2.key, aInput]) {
        await expect(store.read(key, 0, 10)).rejects.toMatchObject({ code: 'not_found' });
      }
      await expect(store.read(b.key, 0, 10)).resolves.toEqual(Buffer.from('x\n'));
      await expect(store.read(bInput, 0, 10)).resolves.toEqual(Buffer.from('x\n'));
      expect((await download((await store.link(a1)).url)).status).toBe(404);
    });

    it('removeResultsExcept keeps the published files and the job\'s inputs, and takes an abandoned attempt\'s files', async () => {
      const store = await readyStore();
      const file = await tempFile('r.tsv', 'r\n');
      const abandoned = await store.put('blast-00000000000000da', 'hits.tsv', file, 'text/plain');
      const published = await store.put('blast-00000000000000da', 'attempt2.hits.tsv', file, 'text/plain');
      const input = await store.stageInput('blast-00000000000000da', 'query', file);
      const other = await store.put('blast-00000000000000db', 'hits.tsv', file, 'text/plain');

      await store.removeResultsExcept('blast-00000000000000da', [published]);
      await expect(store.read(abandoned.key, 0, 10)).rejects.toMatchObject({ code: 'not_found' });
      await expect(store.read(published.key, 0, 10)).resolves.toEqual(Buffer.from('r\n'));
      await expect(store.read(input, 0, 10)).resolves.toEqual(Buffer.from('r\n'));
      await expect(store.read(other.key, 0, 10)).resolves.toEqual(Buffer.from('r\n'));
    });

    it('lists the jobs with staged inputs, and removeStagedInputs takes one job\'s inputs but never its results', async () => {
      const store = await readyStore();
      const file = await tempFile('y.tsv', 'y\n');
      const aInput = await store.stageInput('blast-00000000000000ca', 'query', file);
      await store.stageInput('blast-00000000000000ca', 'subject', file);
      const a = await store.put('blast-00000000000000ca', 'hits.tsv', file, 'text/plain');
      const bInput = await store.stageInput('blast-00000000000000cb', 'query', file);
      expect(await store.stagedInputJobs()).toEqual(expect.arrayContaining(['blast-00000000000000ca', 'blast-00000000000000cb']));

      await store.removeStagedInputs('blast-00000000000000ca');
      await expect(store.read(aInput, 0, 10)).rejects.toMatchObject({ code: 'not_found' });
      await expect(store.read(a.key, 0, 10)).resolves.toEqual(Buffer.from('y\n'));
      await expect(store.read(bInput, 0, 10)).resolves.toEqual(Buffer.from('y\n'));
      expect(await store.stagedInputJobs()).not.toContain('blast-00000000000000ca');
    });

    it('sweep removes result sets, staged inputs and uploads once old, counting each set once', async () => {
      const store = await readyStore();
      const file = await tempFile('s.tsv', 's\n');
      await store.put('blast-0000000000000011', 'hits.tsv', file, 'text/plain');
      await store.put('blast-0000000000000011', 'hits.json', file, 'application/json');
      await store.put('blast-0000000000000022', 'hits.tsv', file, 'text/plain');
      const input = await store.stageInput('blast-0000000000000033', 'query', file);
      const upload = await store.createUpload('alice');
      expect((await fetch(upload.url, { method: 'PUT', body: 'ACGT' })).status).toBe(200);

      // Nothing is an hour old yet.
      await expect(store.sweep(3_600_000)).resolves.toBe(0);
      await expect(store.read(input, 0, 10)).resolves.toEqual(Buffer.from('s\n'));
      // "Older than a minute from now" is everything: 2 result sets, 1 input set, 1 upload.
      await expect(store.sweep(-60_000)).resolves.toBe(4);
      await expect(store.read(input, 0, 10)).rejects.toMatchObject({ code: 'not_found' });
      await expect(store.read('results/blast-0000000000000011/hits.json', 0, 10)).rejects.toMatchObject({ code: 'not_found' });
      await expect(store.findUpload('alice', upload.upload_id)).resolves.toBeUndefined();
      await expect(store.sweep(-60_000)).resolves.toBe(0);
    });
  });

  describe('uploads', () => {
    it('takes a PUT to the presigned link; the upload is found for its owner and downloads byte for byte', async () => {
      const store = await readyStore({ uploadMaxBytes: 123_456 });
      const before = Date.now();
      const ticket = await store.createUpload('alice');
      expect(ticket).toEqual({
        upload_ref: `upload://${ticket.upload_id}`,
        upload_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        url: expect.stringContaining(`/uploads/alice/${ticket.upload_id}?`),
        method: 'PUT',
        expires_at: expect.any(String),
        max_bytes: 123_456,
      });
      expect(Date.parse(ticket.expires_at)).toBeGreaterThanOrEqual(before + TTL * 1000 - 1000);
      await expect(store.findUpload('alice', ticket.upload_id)).resolves.toBeUndefined();

      const content = await fs.readFile(path.join(import.meta.dirname, '../../fixtures/lambda_queries.fa'));
      const put = await fetch(ticket.url, { method: 'PUT', body: content });
      expect(put.status).toBe(200);

      const found = await store.findUpload('alice', ticket.upload_id);
      expect(found).toEqual({ key: `uploads/alice/${ticket.upload_id}`, size: content.length });
      const dest = path.join(tmp, 'downloaded-upload.fa');
      await store.download({ key: found!.key }, dest);
      expect((await fs.readFile(dest)).equals(content)).toBe(true);
    });

    it('does not find one owner\'s upload for another, nor ids that are not upload ids', async () => {
      const store = await readyStore();
      const ticket = await store.createUpload('alice');
      expect((await fetch(ticket.url, { method: 'PUT', body: '>a\nACGT\n' })).status).toBe(200);
      await expect(store.findUpload('bob', ticket.upload_id)).resolves.toBeUndefined();
      await expect(store.findUpload('alice', '../alice/x')).resolves.toBeUndefined();
      await expect(store.findUpload('../alice', ticket.upload_id)).resolves.toBeUndefined();
      await expect(store.findUpload('alice', ticket.upload_id)).resolves.toMatchObject({ size: 8 });
    });

    it('refuses an owner name that cannot be a key segment', async () => {
      const store = await readyStore();
      await expect(store.createUpload('../bob')).rejects.toMatchObject({ code: 'input_invalid', message: 'owner "../bob" cannot own uploads' });
    });
  });

  describe('objects in other buckets (s3:// inputs)', () => {
    it('finds and downloads an existing object; a missing object or bucket is undefined', async () => {
      const other = await readyStore();
      const key = await other.stageInput('blast-0000000000000044', 'query', path.join(import.meta.dirname, '../../fixtures/lambda_queries.fa'));
      const otherBucket = (other as unknown as { bucket: string }).bucket;
      const store = await readyStore();

      const size = (await fs.stat(path.join(import.meta.dirname, '../../fixtures/lambda_queries.fa'))).size;
      await expect(store.findExternal(otherBucket, key)).resolves.toEqual({ size });
      await expect(store.findExternal(otherBucket, 'inputs/none/query')).resolves.toBeUndefined();
      await expect(store.findExternal('no-such-bucket', key)).resolves.toBeUndefined();

      const dest = path.join(tmp, 'external.fa');
      await store.download({ bucket: otherBucket, key }, dest);
      expect(await fs.readFile(dest, 'utf8')).toBe(await fs.readFile(path.join(import.meta.dirname, '../../fixtures/lambda_queries.fa'), 'utf8'));
    });

    it('download of a missing object is not_found and leaves no file', async () => {
      const store = await readyStore();
      const dest = path.join(tmp, 'never.fa');
      await expect(store.download({ key: 'uploads/alice/AAAAAAAAAAAAAAAAAAAAAA' }, dest)).rejects.toMatchObject({ code: 'not_found' });
      expect(await isAbsent(dest)).toBe(true);
    });
  });
});

// Any server that stops listening is the same refused connection: the quick s3rver stands for all.
describe('a store that cannot be reached', () => {
  it('fails every call with an infrastructure error naming the endpoint and bucket', async () => {
    const lonely = await startS3Server();
    const store = new S3ResultStore({ settings: lonely.settings('gone-bucket'), linkTtlSeconds: TTL, uploadMaxBytes: MiB });
    await store.ensureBucket();
    const stored = await store.put('blast-0000000000000055', 'hits.tsv', await tempFile('u.tsv', 'u\n'), 'text/plain');
    await lonely.remove();

    const where = `S3 storage at ${lonely.endpoint}, bucket "gone-bucket"`;
    const more = await tempFile('v.tsv', 'v\n');
    const failures: [string, () => Promise<unknown>][] = [
      ['checking the bucket', () => store.check()],
      ['storing results/blast-0000000000000055/hits.json', () => store.put('blast-0000000000000055', 'hits.json', more, 'text/plain')],
      [`reading ${stored.key}`, () => store.read(stored.key, 0, 10)],
      ['listing results/', () => store.sweep(0)],
      ['checking the bucket', () => store.ensureBucket()],
    ];
    for (const [action, call] of failures) {
      const err = await call().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(BioQueueError);
      expect((err as BioQueueError).code).toBe('infrastructure');
      expect((err as BioQueueError).message).toMatch(new RegExp(`^${escape(where)}: ${escape(action)} failed: .*ECONNREFUSED`));
    }
    const dest = path.join(tmp, 'unreachable.fa');
    await expect(store.download({ key: stored.key }, dest)).rejects.toMatchObject({
      code: 'infrastructure',
      message: expect.stringMatching(new RegExp(`^S3 storage at ${escape(lonely.endpoint)}, bucket "gone-bucket": fetching s3://gone-bucket/${escape(stored.key)} failed: `)),
    });
    expect(await isAbsent(dest)).toBe(true);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
