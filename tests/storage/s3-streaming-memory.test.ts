// Outputs are streamed into S3, never read whole: a process allowed a 64 MiB heap stores a
// 600 MiB file, and its peak memory (heap, buffers and all) stays far below the file's size.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { S3ResultStore } from '../../src/storage/s3-result-store.js';
import { makeTempDir } from '../inputs/temp-dir.js';
import { REPO } from '../support/harness.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const MiB = 1024 * 1024;
const FILE_MIB = 600;
const HEAP_MIB = 64;
const putter = path.join(REPO, 'tests/storage/put-large-file.mjs');

let s3: S3Server;
let tmp: string;

beforeAll(async () => {
  s3 = await startS3Server();
  tmp = await makeTempDir('s3-memory');
});

afterAll(async () => {
  await s3?.remove();
  await fs.rm(tmp, { recursive: true, force: true });
});

// Writes size MiB of varied bytes (a random block, each copy stamped with its number) and
// returns their sha256, without ever holding more than one block.
async function writeLargeFile(file: string, mib: number): Promise<string> {
  const block = randomBytes(MiB);
  const hash = createHash('sha256');
  async function* blocks() {
    for (let i = 0; i < mib; i += 1) {
      block.writeUInt32BE(i, 0);
      hash.update(block);
      yield Buffer.from(block);
    }
  }
  await pipeline(Readable.from(blocks()), (await fs.open(file, 'w')).createWriteStream());
  return hash.digest('hex');
}

it(`stores a ${FILE_MIB} MiB file from a process with a ${HEAP_MIB} MiB heap, its memory staying far below the file size`, async () => {
  const built = path.join(REPO, 'dist/src/storage/s3-result-store.js');
  await expect(fs.stat(built), `${built} is missing: run npm run build first`).resolves.toBeTruthy();
  const file = path.join(tmp, 'large.tsv');
  const sha256 = await writeLargeFile(file, FILE_MIB);

  const child = await execa(process.execPath, [`--max-old-space-size=${HEAP_MIB}`, putter, s3.endpoint, 'large-files', file]);
  await fs.rm(file);
  const { stored, maxRssKiB } = JSON.parse(child.stdout) as { stored: { key: string; size_bytes: number; sha256: string }; maxRssKiB: number };
  expect(stored).toMatchObject({ key: 'results/blast-00000000000big01/hits.tsv', size_bytes: FILE_MIB * MiB, sha256 });
  console.log(`peak memory of the storing process: ${Math.round(maxRssKiB / 1024)} MiB for a ${FILE_MIB} MiB file`);
  expect(maxRssKiB * 1024).toBeLessThan((FILE_MIB * MiB) / 3);

  // What the store holds is the file: downloaded through its presigned link and hashed on the way.
  const store = new S3ResultStore({ settings: s3.settings('large-files'), linkTtlSeconds: 600, uploadMaxBytes: 1 });
  const response = await fetch((await store.link({ ...stored, name: 'hits.tsv', media_type: 'text/tab-separated-values' })).url);
  expect(response.status).toBe(200);
  const downloaded = createHash('sha256');
  let size = 0;
  for await (const chunk of Readable.fromWeb(response.body! as import('node:stream/web').ReadableStream<Uint8Array>)) {
    downloaded.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  expect(size).toBe(FILE_MIB * MiB);
  expect(downloaded.digest('hex')).toBe(sha256);
}, 300_000);
