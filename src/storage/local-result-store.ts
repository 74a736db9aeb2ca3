// Result files on local disk under <data dir>/results/<job id>/, returned as file:// URLs.
// Used for a laptop, where the client and the worker share a filesystem.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { BioQueueError } from '../errors.js';
import type { StoredFile } from '../jobs/job-model.js';
import type { FileLink, ResultStore } from './result-store.js';

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export class LocalResultStore implements ResultStore {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    const segments = key.split('/');
    if (segments.length !== 2 || !segments.every((s) => SAFE_SEGMENT.test(s))) {
      throw new BioQueueError('not_found', `no stored file "${key}"`);
    }
    return path.join(this.root, ...segments);
  }

  async put(jobId: string, name: string, sourcePath: string, mediaType: string): Promise<StoredFile> {
    const key = `${jobId}/${name}`;
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const hash = createHash('sha256');
    let size = 0;
    const partial = `${target}.partial`;
    // One pass: copy and hash together, then rename so a reader never sees half a file.
    await pipeline(
      createReadStream(sourcePath),
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(partial),
    );
    await fs.rename(partial, target);
    return { name, key, size_bytes: size, sha256: hash.digest('hex'), media_type: mediaType };
  }

  async link(file: StoredFile): Promise<FileLink> {
    return { url: pathToFileURL(this.pathOf(file.key)).href, expires_at: null };
  }

  async read(key: string, offset: number, length: number): Promise<Buffer> {
    const handle = await fs.open(this.pathOf(key), 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new BioQueueError('not_found', `no stored file "${key}" (it may have expired)`);
      throw err;
    });
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async removeJob(jobId: string): Promise<void> {
    if (!SAFE_SEGMENT.test(jobId)) return;
    await fs.rm(path.join(this.root, jobId), { recursive: true, force: true });
  }

  async sweep(olderThanMs: number): Promise<number> {
    const entries = await fs.readdir(this.root, { withFileTypes: true }).catch(() => []);
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(this.root, entry.name);
      const stat = await fs.stat(dir).catch(() => undefined);
      if (stat && stat.mtimeMs < cutoff) {
        await fs.rm(dir, { recursive: true, force: true });
        removed += 1;
      }
    }
    return removed;
  }
}
