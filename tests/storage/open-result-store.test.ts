// openResultStore picks the store the configuration asks for: local with file:// links, local
// with signed links behind `serve`, or S3 with its bucket made at start.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { LocalResultStore } from '../../src/storage/local-result-store.js';
import { openResultStore } from '../../src/storage/open-result-store.js';
import { resultStoreAbilities } from '../../src/storage/store-abilities.js';
import { S3ResultStore } from '../../src/storage/s3-result-store.js';
import { makeTempDir } from '../inputs/temp-dir.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const log = createLogger('silent');
let tmp: string;
let s3: S3Server;

beforeAll(async () => {
  tmp = await makeTempDir('open-store');
  s3 = await startS3Server();
});

afterAll(async () => {
  await s3?.remove();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('openResultStore', () => {
  it('opens local storage with file:// links and no uploads when there is no public URL (stdio)', async () => {
    const config = loadConfig({ BIO_QUEUE_DATA_DIR: path.join(tmp, 'stdio') });
    const store = await openResultStore(config, log);
    expect(store).toBeInstanceOf(LocalResultStore);
    expect(store.kind).toBe('local');
    expect(store.canUpload).toBe(false);
    expect((store as LocalResultStore).signer).toBeUndefined();
    expect(resultStoreAbilities(config)).toEqual({ canUpload: store.canUpload, servesFiles: store.servedFiles !== undefined });
    const link = await store.link({ name: 'hits.tsv', key: 'blast-0000000000000001/hits.tsv', size_bytes: 1, sha256: '', media_type: 'text/plain' });
    expect(link).toEqual({ url: `file://${config.resultsDir}/blast-0000000000000001/hits.tsv`, expires_at: null });
  });

  it('signs links with the public URL and the lifetime from the configuration (serve)', async () => {
    const config = loadConfig({ BIO_QUEUE_DATA_DIR: path.join(tmp, 'serve'), BIO_QUEUE_LINK_TTL_SECONDS: '120' });
    const store = await openResultStore(config, log, { publicUrl: 'https://bio.example.org' });
    expect(store.canUpload).toBe(true);
    expect(resultStoreAbilities(config, { publicUrl: 'https://bio.example.org' })).toEqual({ canUpload: true, servesFiles: store.servedFiles !== undefined });
    const before = Date.now();
    const link = await store.link({ name: 'hits.tsv', key: 'blast-0000000000000001/hits.tsv', size_bytes: 1, sha256: '', media_type: 'text/plain' });
    expect(link.url).toMatch(/^https:\/\/bio\.example\.org\/files\/blast-0000000000000001\/hits\.tsv\?expires=\d+&sig=/);
    expect(Date.parse(link.expires_at!) - before).toBeGreaterThan(118_000);
    expect(Date.parse(link.expires_at!) - before).toBeLessThanOrEqual(120_000);
    await expect(fs.stat(path.join(config.dataDir, 'link-secret'))).resolves.toBeTruthy();
  });

  it('opens S3 storage, creating its bucket, when BIO_STORAGE_BACKEND=s3', async () => {
    const config = loadConfig({ BIO_QUEUE_DATA_DIR: path.join(tmp, 's3'), ...s3.env('opened-bucket') });
    const store = await openResultStore(config, log);
    expect(store).toBeInstanceOf(S3ResultStore);
    expect(store.kind).toBe('s3');
    expect(store.canUpload).toBe(true);
    expect(resultStoreAbilities(config)).toEqual({ canUpload: true, servesFiles: store.servedFiles !== undefined });
    await expect(store.check()).resolves.toBeUndefined();
  });

  it('refuses to open S3 storage that cannot be reached, naming it', async () => {
    const config = loadConfig({ BIO_QUEUE_DATA_DIR: path.join(tmp, 's3-down'), ...s3.env('any-bucket'), BIO_STORAGE_MINIO_ENDPOINT: 'http://127.0.0.1:9' });
    await expect(openResultStore(config, log)).rejects.toMatchObject({
      code: 'infrastructure',
      message: expect.stringMatching(/^S3 storage at http:\/\/127\.0\.0\.1:9, bucket "any-bucket": checking the bucket failed: .*ECONNREFUSED/),
    });
  });
});
