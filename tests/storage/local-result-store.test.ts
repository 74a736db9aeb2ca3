// LocalResultStore on real temp folders: file:// links alone, signed /files links behind
// `serve`, uploads streamed in with a size limit, staged inputs, removal and the sweep.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLinkSigner } from '../../src/storage/link-signer.js';
import { LocalResultStore } from '../../src/storage/local-result-store.js';
import { FIXTURES, isAbsent, makeTempDir } from '../inputs/temp-dir.js';

let tmp: string;
let n = 0;

beforeAll(async () => {
  tmp = await makeTempDir('local-store');
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function freshStore(options: { signed?: boolean; ttl?: number; uploadMaxBytes?: number } = {}) {
  const dataDir = path.join(tmp, `data-${++n}`);
  await fs.mkdir(dataDir);
  const signer = options.signed
    ? createLinkSigner({ secret: 's'.repeat(64), baseUrl: 'http://127.0.0.1:8000', ttlSeconds: options.ttl ?? 3600 })
    : undefined;
  const store = new LocalResultStore({ dataDir, resultsDir: path.join(dataDir, 'results'), signer, uploadMaxBytes: options.uploadMaxBytes ?? 1000 });
  return { store, dataDir, signer };
}

async function source(content: string | Buffer): Promise<string> {
  const file = path.join(tmp, `source-${++n}`);
  await fs.writeFile(file, content);
  return file;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

function linkParams(url: string) {
  const u = new URL(url);
  return { key: u.pathname.replace(/^\/files\//, '').split('/').map(decodeURIComponent).join('/'), expires: u.searchParams.get('expires') ?? undefined, sig: u.searchParams.get('sig') ?? undefined };
}

describe('alone (stdio): file:// links, no uploads', () => {
  it('stores a file with its hash and links it as a file:// URL that does not expire', async () => {
    const { store, dataDir } = await freshStore();
    const content = randomBytes(100_000);
    const stored = await store.put('blast-0000000000000001', 'hits.tsv', await source(content), 'text/tab-separated-values');
    expect(stored).toEqual({ name: 'hits.tsv', key: 'blast-0000000000000001/hits.tsv', size_bytes: 100_000, sha256: sha256(content), media_type: 'text/tab-separated-values' });
    const link = await store.link(stored);
    expect(link).toEqual({ url: `file://${dataDir}/results/blast-0000000000000001/hits.tsv`, expires_at: null });
    expect((await fs.readFile(fileURLToPath(link.url))).equals(content)).toBe(true);
    expect(store.canUpload).toBe(false);
  });

  it('links a file on the same filesystem (the same inode, no copy), and copies one from another (tmpfs)', async () => {
    const { store, dataDir } = await freshStore();
    const content = randomBytes(3_000_000);
    const sameFs = await source(content);
    const linked = await store.put('blast-0000000000000011', 'hits.tsv', sameFs, 'text/plain');
    const linkedPath = path.join(dataDir, 'results', linked.key);
    expect((await fs.stat(linkedPath)).ino).toBe((await fs.stat(sameFs)).ino);
    expect(linked.sha256).toBe(sha256(content));
    // The work dir's entry goes; the stored file stays.
    await fs.rm(sameFs);
    expect((await fs.readFile(linkedPath)).equals(content)).toBe(true);

    const shm = await fs.mkdtemp('/dev/shm/bioq-store-');
    try {
      expect((await fs.stat(shm)).dev).not.toBe((await fs.stat(dataDir)).dev);
      const otherFs = path.join(shm, 'hits.tsv');
      await fs.writeFile(otherFs, content);
      const copied = await store.put('blast-0000000000000012', 'hits.tsv', otherFs, 'text/plain');
      const copiedPath = path.join(dataDir, 'results', copied.key);
      expect((await fs.stat(copiedPath)).ino).not.toBe((await fs.stat(otherFs)).ino);
      expect(copied).toMatchObject({ size_bytes: 3_000_000, sha256: sha256(content) });
      expect((await fs.readFile(copiedPath)).equals(content)).toBe(true);
    } finally {
      await fs.rm(shm, { recursive: true, force: true });
    }
  });

  it('stores small files (read in place) and larger ones (streamed) alike, linked or copied: the bytes and the sha256 sha256sum gives', async () => {
    const { store, dataDir } = await freshStore();
    const shm = await fs.mkdtemp('/dev/shm/bioq-store-');
    try {
      let n = 0;
      for (const size of [0, 1_000, 64 * 1024, 64 * 1024 + 1]) {
        for (const folder of [dataDir, shm]) {
          const content = randomBytes(size);
          const file = path.join(folder, `out-${++n}`);
          await fs.writeFile(file, content);
          const stored = await store.put('blast-0000000000000013', `hits-${n}.tsv`, file, 'text/plain');
          const storedPath = path.join(dataDir, 'results', stored.key);
          expect(stored).toMatchObject({ size_bytes: size, sha256: execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0] });
          expect((await fs.readFile(storedPath)).equals(content)).toBe(true);
          expect((await fs.stat(storedPath)).ino === (await fs.stat(file)).ino, `${size} bytes from ${folder}: linked`).toBe(folder === dataDir);
        }
      }
      expect((await fs.readdir(path.join(dataDir, 'results', 'blast-0000000000000013'))).filter((f) => f.endsWith('.partial'))).toEqual([]);
    } finally {
      await fs.rm(shm, { recursive: true, force: true });
    }
  });

  it('refuses to create uploads, saying what works instead', async () => {
    const { store } = await freshStore();
    await expect(store.createUpload('local')).rejects.toMatchObject({
      code: 'input_invalid',
      message: 'uploads need `bio-mcp-queue serve` (which signs upload links for local storage) or S3 storage; over stdio, give a file path instead',
    });
  });
});

describe('behind serve: signed links', () => {
  it('links a result with a signed GET link that verifies, and serves it through openDownload', async () => {
    const { store, signer } = await freshStore({ signed: true });
    const stored = await store.put('blast-0000000000000002', 'hits.json', await source('{"a":1}'), 'application/json');
    const link = await store.link(stored);
    expect(link.url).toMatch(/^http:\/\/127\.0\.0\.1:8000\/files\/blast-0000000000000002\/hits\.json\?expires=\d+&sig=[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(link.expires_at!)).toBeGreaterThan(Date.now() + 3500_000);
    const { key, expires, sig } = linkParams(link.url);
    expect(key).toBe(stored.key);
    expect(signer!.verify('GET', key, expires, sig)).toBe('ok');

    const download = await store.openDownload(key);
    expect(download.size).toBe(7);
    expect(download.mediaType).toBe('application/json');
    expect(Buffer.concat(await download.stream.toArray()).toString()).toBe('{"a":1}');
  });

  it('says invalid for a tampered signature or another key, and expired once the lifetime is over', async () => {
    const { store, signer } = await freshStore({ signed: true, ttl: 60 });
    const a = await store.put('blast-0000000000000003', 'hits.tsv', await source('a'), 'text/plain');
    const { key, expires, sig } = linkParams((await store.link(a)).url);
    const tampered = `${sig!.slice(0, 5)}${sig![5] === 'x' ? 'y' : 'x'}${sig!.slice(6)}`;
    expect(signer!.verify('GET', key, expires, tampered)).toBe('invalid');
    expect(signer!.verify('GET', 'blast-0000000000000003/hits.json', expires, sig)).toBe('invalid');
    expect(signer!.verify('PUT', key, expires, sig)).toBe('invalid');
    expect(signer!.verify('GET', key, expires, sig, Date.now() + 61_000)).toBe('expired');
  });

  it('answers not_found for downloads of keys that are absent or not ours', async () => {
    const { store } = await freshStore({ signed: true });
    for (const key of ['blast-0000000000000404/hits.tsv', '../etc/passwd', 'blast-1/../../x', 'uploads/alice', 'inputs/..%2f/x', '']) {
      await expect(store.openDownload(key)).rejects.toMatchObject({ name: 'BioQueueError', code: 'not_found' });
    }
  });
});

describe('uploads', () => {
  it('creates a signed PUT link; the received upload is found for its owner only and downloads byte for byte', async () => {
    const { store, signer } = await freshStore({ signed: true, uploadMaxBytes: 5000 });
    expect(store.canUpload).toBe(true);
    const ticket = await store.createUpload('alice');
    expect(ticket).toEqual({
      upload_ref: `upload://${ticket.upload_id}`,
      upload_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      url: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:8000/files/uploads/alice/${ticket.upload_id}\\?expires=\\d+&sig=`)),
      method: 'PUT',
      expires_at: expect.any(String),
      max_bytes: 5000,
    });
    const { key, expires, sig } = linkParams(ticket.url);
    expect(signer!.verify('PUT', key, expires, sig)).toBe('ok');
    expect(signer!.verify('GET', key, expires, sig)).toBe('invalid');
    await expect(store.findUpload('alice', ticket.upload_id)).resolves.toBeUndefined();

    const content = await fs.readFile(path.join(FIXTURES, 'lambda_queries.fa'));
    await expect(store.receiveUpload(key, Readable.from([content.subarray(0, 100), content.subarray(100)]), 5000)).resolves.toEqual({ size: content.length });
    await expect(store.findUpload('alice', ticket.upload_id)).resolves.toEqual({ key, size: content.length });
    await expect(store.findUpload('bob', ticket.upload_id)).resolves.toBeUndefined();

    const dest = path.join(tmp, `dl-${++n}.fa`);
    await store.download({ key }, dest);
    expect((await fs.readFile(dest)).equals(content)).toBe(true);
  });

  it('refuses an upload over the limit and keeps no file of it', async () => {
    const { store, dataDir } = await freshStore({ signed: true });
    const ticket = await store.createUpload('alice');
    const { key } = linkParams(ticket.url);
    await expect(store.receiveUpload(key, Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 1000)).rejects.toMatchObject({
      code: 'payload_too_large',
      message: 'upload: larger than the 1000-byte limit (BIO_QUEUE_UPLOAD_MAX_BYTES)',
    });
    await expect(store.findUpload('alice', ticket.upload_id)).resolves.toBeUndefined();
    await expect(fs.readdir(path.join(dataDir, 'uploads', 'alice'))).resolves.toEqual([]);
  });

  it('replaces an upload PUT twice', async () => {
    const { store } = await freshStore({ signed: true });
    const ticket = await store.createUpload('alice');
    const { key } = linkParams(ticket.url);
    await store.receiveUpload(key, Readable.from([Buffer.from('>first\nACGT\n')]), 1000);
    await store.receiveUpload(key, Readable.from([Buffer.from('>second\nAC\n')]), 1000);
    await expect(store.findUpload('alice', ticket.upload_id)).resolves.toEqual({ key, size: 11 });
  });

  it('takes uploads only under uploads/', async () => {
    const { store } = await freshStore({ signed: true });
    for (const key of ['blast-0000000000000001/hits.tsv', 'inputs/blast-0000000000000001/query', 'uploads/alice/short']) {
      await expect(store.receiveUpload(key, Readable.from([Buffer.from('x')]), 1000)).rejects.toMatchObject({ code: 'not_found' });
    }
  });

  it('refuses s3:// inputs: they need S3 storage', async () => {
    const { store } = await freshStore({ signed: true });
    const message = 's3:// inputs need S3 storage (BIO_STORAGE_BACKEND=s3)';
    await expect(store.findExternal()).rejects.toMatchObject({ code: 'input_invalid', message });
    await expect(store.download({ bucket: 'data', key: 'q.fa' }, path.join(tmp, 'never'))).rejects.toMatchObject({ code: 'input_invalid', message });
  });
});

describe('staged inputs, removal and the sweep', () => {
  it('stages an input, reads it back, and removeJob takes results and inputs of that job only', async () => {
    const { store } = await freshStore();
    const file = await source('>a\nACGT\n');
    const key = await store.stageInput('blast-00000000000000aa', 'query', file);
    expect(key).toBe('inputs/blast-00000000000000aa/query');
    const a = await store.put('blast-00000000000000aa', 'hits.tsv', file, 'text/plain');
    const b = await store.put('blast-00000000000000bb', 'hits.tsv', file, 'text/plain');
    const bInput = await store.stageInput('blast-00000000000000bb', 'query', file);
    await expect(store.read(key, 0, 100)).resolves.toEqual(Buffer.from('>a\nACGT\n'));

    await store.removeJob('blast-00000000000000aa');
    await expect(store.read(key, 0, 10)).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.read(a.key, 0, 10)).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.read(b.key, 0, 3)).resolves.toEqual(Buffer.from('>a\n'));
    await expect(store.read(bInput, 0, 3)).resolves.toEqual(Buffer.from('>a\n'));
  });

  it('removeResultsExcept keeps the published files and the job\'s inputs, and takes an abandoned attempt\'s files', async () => {
    const { store } = await freshStore();
    const file = await source('>a\nACGT\n');
    const abandoned = await store.put('blast-00000000000000aa', 'hits.tsv', file, 'text/plain');
    const published = await store.put('blast-00000000000000aa', 'attempt2.hits.tsv', file, 'text/plain');
    const input = await store.stageInput('blast-00000000000000aa', 'query', file);
    const other = await store.put('blast-00000000000000bb', 'hits.tsv', file, 'text/plain');

    await store.removeResultsExcept('blast-00000000000000aa', [published]);
    await expect(store.read(abandoned.key, 0, 3)).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.read(published.key, 0, 3)).resolves.toEqual(Buffer.from('>a\n'));
    await expect(store.read(input, 0, 3)).resolves.toEqual(Buffer.from('>a\n'));
    await expect(store.read(other.key, 0, 3)).resolves.toEqual(Buffer.from('>a\n'));
  });

  it('lists the jobs with staged inputs, and removeStagedInputs takes one job\'s inputs but never its results', async () => {
    const { store } = await freshStore();
    const file = await source('>a\nACGT\n');
    const aInput = await store.stageInput('blast-00000000000000aa', 'query', file);
    const a = await store.put('blast-00000000000000aa', 'hits.tsv', file, 'text/plain');
    const bInput = await store.stageInput('blast-00000000000000bb', 'query', file);
    expect((await store.stagedInputJobs()).sort()).toEqual(['blast-00000000000000aa', 'blast-00000000000000bb']);

    await store.removeStagedInputs('blast-00000000000000aa');
    await expect(store.read(aInput, 0, 10)).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.read(a.key, 0, 3)).resolves.toEqual(Buffer.from('>a\n'));
    await expect(store.read(bInput, 0, 3)).resolves.toEqual(Buffer.from('>a\n'));
    expect(await store.stagedInputJobs()).toEqual(['blast-00000000000000bb']);
  });

  it('sweeps old result sets, staged inputs and uploads (finished or partial), and keeps new ones', async () => {
    const { store, dataDir } = await freshStore({ signed: true });
    const file = await source('x');
    await store.put('blast-0000000000000011', 'hits.tsv', file, 'text/plain');
    await store.put('blast-0000000000000022', 'hits.tsv', file, 'text/plain');
    await store.stageInput('blast-0000000000000033', 'query', file);
    const oldUpload = await store.createUpload('alice');
    await store.receiveUpload(linkParams(oldUpload.url).key, Readable.from([Buffer.from('>u\nAC\n')]), 1000);
    const leftPartial = path.join(dataDir, 'uploads', 'alice', 'abandoned.1234.partial');
    await fs.writeFile(leftPartial, 'half');
    const newUpload = await store.createUpload('bob');
    await store.receiveUpload(linkParams(newUpload.url).key, Readable.from([Buffer.from('>n\nAC\n')]), 1000);

    // Age everything but bob's upload by two days.
    const twoDaysAgo = new Date(Date.now() - 2 * 86400_000);
    for (const p of [
      path.join(dataDir, 'results', 'blast-0000000000000011'),
      path.join(dataDir, 'results', 'blast-0000000000000022'),
      path.join(dataDir, 'inputs', 'blast-0000000000000033'),
      path.join(dataDir, 'uploads', 'alice', oldUpload.upload_id),
      leftPartial,
    ]) {
      await fs.utimes(p, twoDaysAgo, twoDaysAgo);
    }
    await expect(store.sweep(86400_000)).resolves.toBe(5);
    expect(await isAbsent(path.join(dataDir, 'results', 'blast-0000000000000011'))).toBe(true);
    expect(await isAbsent(path.join(dataDir, 'inputs', 'blast-0000000000000033'))).toBe(true);
    expect(await isAbsent(leftPartial)).toBe(true);
    await expect(store.findUpload('alice', oldUpload.upload_id)).resolves.toBeUndefined();
    await expect(store.findUpload('bob', newUpload.upload_id)).resolves.toMatchObject({ size: 6 });
    await expect(store.sweep(86400_000)).resolves.toBe(0);
  });
});

describe('check', () => {
  it('passes on a writable data dir, leaving nothing behind', async () => {
    const { store, dataDir } = await freshStore();
    await expect(store.check()).resolves.toBeUndefined();
    expect(await fs.readdir(dataDir)).toEqual([]);
  });

  it('fails as infrastructure, naming the folder, when the data dir cannot be written', async () => {
    // A data dir under a regular file cannot be made, whoever runs the test (root ignores modes).
    const blocker = await source('not a folder');
    const dataDir = path.join(blocker, 'data');
    const store = new LocalResultStore({ dataDir, resultsDir: path.join(dataDir, 'results'), uploadMaxBytes: 1000 });
    await expect(store.check()).rejects.toMatchObject({
      name: 'BioQueueError',
      code: 'infrastructure',
      message: `local storage: cannot write to ${dataDir}: ENOTDIR: not a directory, mkdir '${dataDir}'`,
    });
  });
});
