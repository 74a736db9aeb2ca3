// Files on local disk: results under <results dir>/<job id>/, uploads and staged inputs under
// the data dir. Alone (stdio on a laptop, where client and worker share a filesystem) links are
// file:// URLs; behind `serve` a signer makes them expiring HTTP links to /files/..., and
// uploads become possible.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, linkSync, mkdirSync, readFileSync, renameSync, statSync, type Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { BioQueueError } from '../errors.js';
import { readChunkBytes } from '../system/read-chunk-size.js';
import { HashingStream } from './hashing-stream.js';
import type { LinkSigner } from './link-signer.js';
import { mediaTypeOf } from './media-type.js';
import type { FileDownload, FileLink, ResultStore, ServedFiles, StoredSource } from './result-store.js';
import type { StoredFile } from './stored-file.js';
import { uploadTooLarge, type UploadTicket } from './upload-ticket.js';
import { inputKey, isSafeSegment, newUploadId, parseKey, UPLOAD_ID, uploadKey, type KeyParts } from './store-keys.js';

// What put reads in place rather than streams: bounded, and the size of a tiny job's whole output.
const SMALL_FILE_BYTES = 64 * 1024;

// False when the two paths are on different filesystems (or the filesystem has no hard links), or the target is there.
function hardLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // EEXIST: a partial file an attempt that died left behind, which the copy overwrites.
    if (code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EMLINK' || code === 'EEXIST') return false;
    throw err;
  }
}

// The end of a pipeline that only hashes: the bytes go nowhere.
class Discard extends Writable {
  override _write(_chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    done();
  }
}

export interface LocalResultStoreOptions {
  dataDir: string;
  resultsDir: string;
  /** Present behind `serve`: links are signed HTTP links and uploads are accepted. */
  signer?: LinkSigner | undefined;
  uploadMaxBytes: number;
}

export class LocalResultStore implements ResultStore {
  readonly kind = 'local' as const;
  readonly canUpload: boolean;
  /** Signs the links that servedFiles verifies; undefined when links are file:// URLs. */
  readonly signer: LinkSigner | undefined;
  readonly servedFiles: ServedFiles | undefined;
  private readonly dataDir: string;
  private readonly resultsDir: string;
  private readonly uploadMaxBytes: number;

  constructor(options: LocalResultStoreOptions) {
    this.dataDir = options.dataDir;
    this.resultsDir = options.resultsDir;
    this.signer = options.signer;
    this.canUpload = options.signer !== undefined;
    this.uploadMaxBytes = options.uploadMaxBytes;
    const signer = options.signer;
    this.servedFiles = signer && {
      verify: (method, key, expires, sig) => signer.verify(method, key, expires, sig),
      openDownload: (key) => this.openDownload(key),
      receiveUpload: (key, body, maxBytes) => this.receiveUpload(key, body, maxBytes),
    };
  }

  async put(jobId: string, name: string, sourcePath: string, mediaType: string): Promise<StoredFile> {
    const key = `${jobId}/${name}`;
    const target = this.pathOf(key);
    // The folder, the stat, the link and the rename are made in place, not through the thread
    // pool: each is bounded work on the local data dir, and a tiny job's result made a dozen
    // thread hand-offs (worker/in-place-files.ts). Reading the bytes for the hash stays async,
    // but for a small file (below).
    mkdirSync(path.dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    // On the same filesystem (the work dir is under the data dir unless configured otherwise) the
    // file is linked, not copied, and read once for its hash: copying a 14 MB BLAST output was
    // 60 ms of a job (bench/RESULTS.md, issue 11). Otherwise copied and hashed in one pass.
    // Either way renamed into place, so a reader never sees half a file.
    const stat = statSync(sourcePath);
    const linked = hardLink(sourcePath, partial);
    // Linked, a small regular file (a tiny job's hits) is read and hashed in place, as the steps
    // around it are: a read stream, a hashing stream and their pipeline cost more than its bytes
    // (issue 11). A copy writes to a path of the results dir, which is left to the thread pool.
    if (linked && stat.isFile() && stat.size <= SMALL_FILE_BYTES) {
      const bytes = readFileSync(sourcePath);
      renameSync(partial, target);
      return { name, key, size_bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), media_type: mediaType };
    }
    const hashing = new HashingStream();
    const source = () => createReadStream(sourcePath, { highWaterMark: readChunkBytes(stat.size) });
    if (linked) await pipeline(source(), hashing, new Discard());
    else await pipeline(source(), hashing, createWriteStream(partial));
    renameSync(partial, target);
    return { name, key, size_bytes: hashing.byteCount, sha256: hashing.digest(), media_type: mediaType };
  }

  async link(file: StoredFile): Promise<FileLink> {
    if (this.signer) return this.signer.sign('GET', file.key);
    return { url: pathToFileURL(this.pathOf(file.key)).href, expires_at: null };
  }

  async read(key: string, offset: number, length: number): Promise<Buffer> {
    const handle = await fs.open(this.pathOf(key), 'r').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? gone(key) : err;
    });
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /** A stored file as a stream, for GET /files/<key> (after the link was verified). */
  async openDownload(key: string): Promise<FileDownload> {
    const file = this.pathOf(key);
    const handle = await fs.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' || err.code === 'EISDIR' ? gone(key) : err;
    });
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      throw gone(key);
    }
    return { stream: handle.createReadStream(), size: stat.size, mediaType: mediaTypeOf(file) };
  }

  /**
   * The body of PUT /files/uploads/<owner>/<id> (after the link was verified), streamed to a
   * private partial file and renamed into place, so findUpload never sees half an upload.
   * A second PUT of the same key replaces the first.
   */
  async receiveUpload(key: string, body: Readable, maxBytes: number): Promise<{ size: number }> {
    const parts = parseKey(key, '');
    if (parts?.area !== 'uploads') throw new BioQueueError('not_found', `no upload "${key}"`);
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.${randomBytes(4).toString('hex')}.partial`;
    let size = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) {
          done(uploadTooLarge(maxBytes));
        } else {
          done(null, chunk);
        }
      },
    });
    try {
      await pipeline(body, limit, createWriteStream(partial));
      await fs.rename(partial, target);
    } catch (err) {
      await fs.rm(partial, { force: true });
      throw err;
    }
    return { size };
  }

  async removeFiles(files: readonly StoredFile[]): Promise<void> {
    for (const file of files) await fs.rm(this.pathOf(file.key), { force: true });
  }

  async removeResultsExcept(jobId: string, keep: readonly StoredFile[]): Promise<void> {
    if (!isSafeSegment(jobId)) return;
    const kept = new Set(keep.map((f) => this.pathOf(f.key)));
    const dir = path.join(this.resultsDir, jobId);
    for (const name of await fs.readdir(dir).catch(ifMissing([]))) {
      const file = path.join(dir, name);
      if (!kept.has(file)) await fs.rm(file, { recursive: true, force: true });
    }
  }

  async removeJob(jobId: string): Promise<void> {
    if (!isSafeSegment(jobId)) return;
    await fs.rm(path.join(this.resultsDir, jobId), { recursive: true, force: true });
    await this.removeStagedInputs(jobId);
  }

  async removeStagedInputs(jobId: string): Promise<void> {
    if (!isSafeSegment(jobId)) return;
    await fs.rm(path.join(this.dataDir, 'inputs', jobId), { recursive: true, force: true });
  }

  async stagedInputJobs(): Promise<string[]> {
    const entries = await fs.readdir(path.join(this.dataDir, 'inputs'), { withFileTypes: true }).catch(ifMissing([]));
    return entries.filter((e) => e.isDirectory() && isSafeSegment(e.name)).map((e) => e.name);
  }

  async sweep(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    // Result sets and staged inputs: one folder per job.
    for (const root of [this.resultsDir, path.join(this.dataDir, 'inputs')]) {
      removed += await removeOlder(root, cutoff, (entry) => entry.isDirectory());
    }
    // Uploads: one file each (finished or left partial), in a folder per owner.
    const uploads = path.join(this.dataDir, 'uploads');
    for (const owner of await fs.readdir(uploads, { withFileTypes: true }).catch(ifMissing([]))) {
      if (owner.isDirectory()) removed += await removeOlder(path.join(uploads, owner.name), cutoff, (entry) => entry.isFile());
    }
    return removed;
  }

  async check(): Promise<void> {
    const probe = path.join(this.dataDir, `.write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await fs.mkdir(this.dataDir, { recursive: true });
      await fs.writeFile(probe, 'ok');
    } catch (err) {
      throw new BioQueueError('infrastructure', `local storage: cannot write to ${this.dataDir}: ${(err as Error).message}`, {}, { cause: err });
    } finally {
      // Must not replace check()'s own answer; a probe left behind is a few bytes.
      await fs.rm(probe, { force: true }).catch(() => undefined);
    }
  }

  async stageInput(jobId: string, param: string, sourcePath: string): Promise<string> {
    const key = inputKey(jobId, param);
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.copyFile(sourcePath, target, fs.constants.COPYFILE_FICLONE);
    return key;
  }

  async createUpload(owner: string): Promise<UploadTicket> {
    if (!this.signer) {
      throw new BioQueueError('input_invalid', 'uploads need `bio-mcp-queue serve` (which signs upload links for local storage) or S3 storage; over stdio, give a file path instead');
    }
    if (!isSafeSegment(owner)) throw new BioQueueError('input_invalid', `owner "${owner}" cannot own uploads`);
    const uploadId = newUploadId();
    const link = this.signer.sign('PUT', uploadKey(owner, uploadId));
    return { upload_ref: `upload://${uploadId}`, upload_id: uploadId, url: link.url, method: 'PUT', expires_at: link.expires_at, max_bytes: this.uploadMaxBytes };
  }

  async findUpload(owner: string, uploadId: string): Promise<{ key: string; size: number } | undefined> {
    if (!isSafeSegment(owner) || !UPLOAD_ID.test(uploadId)) return undefined;
    const key = uploadKey(owner, uploadId);
    const stat = await fs.stat(this.pathOf(key)).catch(ifMissing(undefined));
    return stat?.isFile() ? { key, size: stat.size } : undefined;
  }

  async findExternal(): Promise<{ size: number } | undefined> {
    throw new BioQueueError('input_invalid', 's3:// inputs need S3 storage (BIO_STORAGE_BACKEND=s3)');
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  async download(source: StoredSource, destPath: string): Promise<void> {
    if ('bucket' in source) throw new BioQueueError('input_invalid', 's3:// inputs need S3 storage (BIO_STORAGE_BACKEND=s3)');
    await fs.copyFile(this.pathOf(source.key), destPath, fs.constants.COPYFILE_FICLONE).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? gone(source.key) : err;
    });
  }

  // Where a key lives on disk; anything not shaped like one of our keys is simply not there.
  private pathOf(key: string): string {
    const parts = parseKey(key, '');
    if (!parts) throw gone(key);
    return this.placeOf(parts);
  }

  private placeOf(parts: KeyParts): string {
    switch (parts.area) {
      case 'results':
        return path.join(this.resultsDir, parts.jobId, parts.name);
      case 'uploads':
        return path.join(this.dataDir, 'uploads', parts.owner, parts.uploadId);
      case 'inputs':
        return path.join(this.dataDir, 'inputs', parts.jobId, parts.param);
    }
  }
}

// For a lookup where a missing path is the answer (no uploads yet, no such upload), not a
// failure; anything else (permissions, I/O) is thrown, so a sweep or a lookup says what broke.
function ifMissing<T>(answer: T): (err: NodeJS.ErrnoException) => T {
  return (err) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return answer;
    throw err;
  };
}

function gone(key: string): BioQueueError {
  return new BioQueueError('not_found', `no stored file "${key}" (it may have expired)`);
}

// Removes the entries of dir last changed before cutoff; returns how many went.
async function removeOlder(dir: string, cutoff: number, wanted: (entry: Dirent) => boolean): Promise<number> {
  let removed = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(ifMissing([]))) {
    if (!wanted(entry)) continue;
    const target = path.join(dir, entry.name);
    const stat = await fs.stat(target).catch(ifMissing(undefined)); // gone meanwhile: another sweep, or a cancel
    if (stat && stat.mtimeMs < cutoff) {
      await fs.rm(target, { recursive: true, force: true });
      removed += 1;
    }
  }
  return removed;
}
