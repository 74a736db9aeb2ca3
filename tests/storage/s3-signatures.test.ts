// What a presigned link's signature protects, checked by the store itself: radosgw, Ceph's S3
// gateway, verifies every SigV4 signature as AWS S3 does (s3rver, the quick server of the other
// S3 tests, checks none). A link works as signed and only so: a changed character in its query,
// another object's path, a longer lifetime, an extra parameter, another method or host, or a
// lifetime run out, and the store answers 403 without serving or storing anything.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ResultStore } from '../../src/storage/s3-result-store.js';
import type { StoredFile } from '../../src/storage/stored-file.js';
import { makeTempDir } from '../inputs/temp-dir.js';
import { RADOSGW_PACKAGES, startRadosGateway } from '../support/radosgw-server.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const TTL = 600;

let s3: S3Server;
let tmp: string;
let store: S3ResultStore;
let counter = 0;

async function tempFile(content: string): Promise<string> {
  const file = path.join(tmp, `file-${++counter}`);
  await fs.writeFile(file, content);
  return file;
}

async function fetchText(url: string | URL, init?: RequestInit): Promise<{ status: number; body: string }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.text() };
}

/** The S3 error code of a refusal's XML body. */
function errorCode(body: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
}

/** The same text with the character at `index` replaced by another of its kind. */
function changeOne(text: string, index: number): string {
  const old = text[index]!;
  const replacement = /\d/.test(old) ? String((Number(old) + 1) % 10) : old === 'a' ? 'b' : 'a';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

beforeAll(async () => {
  s3 = await startS3Server('radosgw');
  tmp = await makeTempDir('s3-signatures');
  store = new S3ResultStore({ settings: s3.settings('signed-links'), linkTtlSeconds: TTL, uploadMaxBytes: 1024 * 1024 });
  await store.ensureBucket();
}, 180_000);

afterAll(async () => {
  await s3?.remove();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('a download link', () => {
  let hits: StoredFile;
  let other: StoredFile;
  let url: URL;
  beforeAll(async () => {
    hits = await store.put('blast-00000000000000a1', 'hits.tsv', await tempFile('q1\ts1\t99.5\n'), 'text/tab-separated-values');
    other = await store.put('blast-00000000000000b2', 'hits.tsv', await tempFile('secret of another job\n'), 'text/tab-separated-values');
    url = new URL((await store.link(hits)).url);
  });

  it('serves the object it was signed for', async () => {
    expect(await fetchText(url)).toEqual({ status: 200, body: 'q1\ts1\t99.5\n' });
  });

  it.each([
    ['one character of its signature changed', (u: URL) => u.searchParams.set('X-Amz-Signature', changeOne(u.searchParams.get('X-Amz-Signature')!, 10))],
    ['one character of its date changed', (u: URL) => u.searchParams.set('X-Amz-Date', changeOne(u.searchParams.get('X-Amz-Date')!, 12))],
    ['its lifetime made longer', (u: URL) => u.searchParams.set('X-Amz-Expires', String(TTL * 10))],
    ['a parameter added that changes the answer', (u: URL) => u.searchParams.set('response-content-type', 'text/html')],
    ['its path pointed at another job\'s results', (u: URL) => void (u.pathname = u.pathname.replace('blast-00000000000000a1', 'blast-00000000000000b2'))],
  ])('is refused with 403 with %s', async (_what, tamper) => {
    const tampered = new URL(url);
    tamper(tampered);
    expect(tampered.href).not.toBe(url.href);
    const answer = await fetchText(tampered);
    expect(answer.status).toBe(403);
    expect(errorCode(answer.body)).toBe('SignatureDoesNotMatch');
    expect(answer.body).not.toContain('secret of another job');
  });

  it('is refused with 403 for any method but GET', async () => {
    const answer = await fetchText(url, { method: 'PUT', body: 'overwritten' });
    expect(answer.status).toBe(403);
    expect(errorCode(answer.body)).toBe('SignatureDoesNotMatch');
    await expect(store.read(hits.key, 0, 100)).resolves.toEqual(Buffer.from('q1\ts1\t99.5\n'));
    await expect(store.read(other.key, 0, 100)).resolves.toEqual(Buffer.from('secret of another job\n'));
  });
});

describe('an upload link', () => {
  it('stores a PUT as signed, and nothing when its path or signature was changed', async () => {
    const ticket = await store.createUpload('alice');
    const url = new URL(ticket.url);

    const elsewhere = new URL(url);
    elsewhere.pathname = elsewhere.pathname.replace('/uploads/alice/', '/uploads/bob/');
    expect((await fetchText(elsewhere, { method: 'PUT', body: '>x\nACGT\n' })).status).toBe(403);
    await expect(store.findUpload('bob', ticket.upload_id)).resolves.toBeUndefined();

    const forged = new URL(url);
    forged.searchParams.set('X-Amz-Signature', changeOne(url.searchParams.get('X-Amz-Signature')!, 0));
    const refused = await fetchText(forged, { method: 'PUT', body: '>x\nACGT\n' });
    expect(refused.status).toBe(403);
    expect(errorCode(refused.body)).toBe('SignatureDoesNotMatch');
    await expect(store.findUpload('alice', ticket.upload_id)).resolves.toBeUndefined();

    expect((await fetchText(url, { method: 'PUT', body: '>x\nACGT\n' })).status).toBe(200);
    await expect(store.findUpload('alice', ticket.upload_id)).resolves.toEqual({ key: `uploads/alice/${ticket.upload_id}`, size: 8 });
    // The upload link does not read what it wrote.
    expect((await fetchText(url)).status).toBe(403);
  });
});

describe('link lifetime', () => {
  it('is refused with 403 by the store once expired, download and upload alike; links made afresh work', async () => {
    const shortLived = new S3ResultStore({ settings: s3.settings('signed-links'), linkTtlSeconds: 1, uploadMaxBytes: 1024 });
    const stored = await shortLived.put('blast-00000000000000c3', 'hits.tsv', await tempFile('a\tb\n'), 'text/plain');
    const link = await shortLived.link(stored);
    const ticket = await shortLived.createUpload('alice');
    // Wait out the lifetime (plus a second: the expiry is counted in whole seconds).
    await new Promise((resolve) => setTimeout(resolve, Date.parse(link.expires_at!) - Date.now() + 1500));

    const expired = await fetchText(link.url);
    expect(expired.status).toBe(403);
    expect(errorCode(expired.body)).toBe('AccessDenied');
    const lateUpload = await fetchText(ticket.url, { method: 'PUT', body: 'late' });
    expect(lateUpload.status).toBe(403);
    await expect(shortLived.findUpload('alice', ticket.upload_id)).resolves.toBeUndefined();

    // A link made afresh works: what expired was the link, not the file. It comes from a store
    // whose links outlive the fetch: a 1-second link signed late in a second can be refused
    // before it is used (the expiry counts from the whole second of X-Amz-Date).
    const lasting = new S3ResultStore({ settings: s3.settings('signed-links'), linkTtlSeconds: 600, uploadMaxBytes: 1024 });
    expect(await fetchText((await lasting.link(stored)).url)).toEqual({ status: 200, body: 'a\tb\n' });
  });
});

describe('the host a link was signed for', () => {
  it('is part of the signature: a link signed for the public endpoint works there and nowhere else', async () => {
    // "localhost" and 127.0.0.1 reach the same gateway, as a public and an internal name would.
    const publicEndpoint = `http://localhost:${s3.port}`;
    const publicStore = new S3ResultStore({ settings: { ...s3.settings('signed-links'), publicEndpoint }, linkTtlSeconds: TTL, uploadMaxBytes: 1024 });
    const stored = await publicStore.put('blast-00000000000000d4', 'hits.tsv', await tempFile('public\n'), 'text/plain');
    const link = new URL((await publicStore.link(stored)).url);
    expect(link.origin).toBe(publicEndpoint);
    expect(await fetchText(link)).toEqual({ status: 200, body: 'public\n' });

    const internal = new URL(link);
    internal.hostname = '127.0.0.1';
    const answer = await fetchText(internal);
    expect(answer.status).toBe(403);
    expect(errorCode(answer.body)).toBe('SignatureDoesNotMatch');
  });
});

describe('the store\'s own requests', () => {
  it('are refused when signed with a wrong secret: an infrastructure error naming the store and the refusal', async () => {
    const wrongSecret = new S3ResultStore({ settings: { ...s3.settings('signed-links'), secretAccessKey: 'not-the-secret' }, linkTtlSeconds: TTL, uploadMaxBytes: 1024 });
    const err = await wrongSecret.put('blast-00000000000000e5', 'hits.tsv', await tempFile('x\n'), 'text/plain').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      name: 'BioQueueError',
      code: 'infrastructure',
      message: expect.stringMatching(/^S3 storage at http:\/\/127\.0\.0\.1:\d+, bucket "signed-links": storing results\/blast-00000000000000e5\/hits\.tsv failed: .*\(HTTP 403\)$/),
    });
    await expect(store.read('results/blast-00000000000000e5/hits.tsv', 0, 10)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('a machine without radosgw', () => {
  it('fails these tests with what to run, rather than skipping them', async () => {
    const empty = await makeTempDir('no-ceph');
    await expect(startRadosGateway({ searchPath: empty })).rejects.toThrow(
      'radosgw, the S3 server that checks signatures, cannot run here: setpriv, radosgw, radosgw-admin, ceph-mon, ceph-osd, ceph, ceph-authtool, monmaptool not found. ' +
        `Run \`bash scripts/bootstrap.sh\` (on Debian/Ubuntu it installs them), or: sudo apt-get install -y ${RADOSGW_PACKAGES.join(' ')}`,
    );
    await fs.rm(empty, { recursive: true, force: true });
  });
});
