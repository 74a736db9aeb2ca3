// Files in any S3-compatible store (AWS S3, MinIO, …): results under results/<job>/, a
// caller's uploads under uploads/<owner>/, inputs staged for remote workers under
// inputs/<job>/. Files travel as streams (multipart for large ones), never whole in memory;
// clients get presigned links and never the store's credentials.
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Settings } from '../config.js';
import { BioQueueError } from '../errors.js';
import { HashingStream } from './hashing-stream.js';
import type { FileLink, ResultStore, StoredSource } from './result-store.js';
import { createS3Clients, describeStore, errorName, isNotFound, storeError } from './s3-client.js';
import { inputKey, isSafeSegment, newUploadId, UPLOAD_ID, uploadKey } from './store-keys.js';
import type { StoredFile } from './stored-file.js';
import type { UploadTicket } from './upload-ticket.js';

export interface S3ResultStoreOptions {
  settings: S3Settings;
  linkTtlSeconds: number;
  uploadMaxBytes: number;
}

/** Parts of a multipart upload; with QUEUE_SIZE parts in flight, what one put() holds in memory. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;
/** S3 allows 10,000 parts; a file larger than that many PART_SIZEs gets larger parts. */
const MAX_PARTS = 9_000;
/** DeleteObjects takes at most 1,000 keys. */
const DELETE_BATCH = 1_000;

export class S3ResultStore implements ResultStore {
  readonly kind = 's3' as const;
  readonly canUpload = true;
  /** Clients reach the bucket itself with presigned links: nothing goes through `serve`. */
  readonly servedFiles = undefined;
  private readonly client: S3Client;
  private readonly signer: S3Client;
  private readonly bucket: string;

  constructor(private readonly options: S3ResultStoreOptions) {
    const clients = createS3Clients(options.settings);
    this.client = clients.client;
    this.signer = clients.signer;
    this.bucket = options.settings.bucket;
  }

  /** Creates the bucket unless it exists; another process creating it at the same time is fine. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      if (!isNotFound(err)) throw this.failure(err, 'checking the bucket');
    }
    const region = this.options.settings.region;
    try {
      await this.client.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          ...(region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } } : {}),
        }),
      );
    } catch (err) {
      if (errorName(err) === 'BucketAlreadyOwnedByYou') return;
      // Lost a race, or a store that answers BucketAlreadyExists to its owner too: fine if we can use it.
      if (errorName(err) === 'BucketAlreadyExists') {
        // Not usable: the create's own error, thrown below, says more than this probe's would.
        const usable = await this.client.send(new HeadBucketCommand({ Bucket: this.bucket })).then(() => true, () => false);
        if (usable) return;
      }
      throw this.failure(err, 'creating the bucket');
    }
  }

  async put(jobId: string, name: string, sourcePath: string, mediaType: string): Promise<StoredFile> {
    const key = `results/${jobId}/${name}`;
    const hashing = new HashingStream();
    await this.upload(key, sourcePath, mediaType, hashing);
    return { name, key, size_bytes: hashing.byteCount, sha256: hashing.digest(), media_type: mediaType };
  }

  async link(file: StoredFile): Promise<FileLink> {
    return this.presign(new GetObjectCommand({ Bucket: this.bucket, Key: file.key }), `a download link for ${file.key}`);
  }

  async read(key: string, offset: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${offset}-${offset + length - 1}` }),
      );
      const bytes = await answer.Body!.transformToByteArray();
      // A store that ignores Range sends everything: cut out what was asked for.
      const whole = answer.ContentRange === undefined && bytes.length > length;
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return whole ? buffer.subarray(offset, offset + length) : buffer;
    } catch (err) {
      if (errorName(err) === 'InvalidRange' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) {
        return Buffer.alloc(0); // offset at or past the end: nothing more, as a file read gives
      }
      throw this.failure(err, `reading ${key}`);
    }
  }

  async removeFiles(files: readonly StoredFile[]): Promise<void> {
    await this.remove(files.map((f) => f.key));
  }

  async removeResultsExcept(jobId: string, keep: readonly StoredFile[]): Promise<void> {
    if (!isSafeSegment(jobId)) return;
    const kept = new Set(keep.map((f) => f.key));
    const keys: string[] = [];
    for await (const object of this.list(`results/${jobId}/`)) if (!kept.has(object.key)) keys.push(object.key);
    await this.remove(keys);
  }

  async removeJob(jobId: string): Promise<void> {
    if (!isSafeSegment(jobId)) return;
    const keys: string[] = [];
    for await (const object of this.list(`results/${jobId}/`)) keys.push(object.key);
    await this.remove(keys);
    await this.removeStagedInputs(jobId);
  }

  async removeStagedInputs(jobId: string): Promise<void> {
    if (!isSafeSegment(jobId)) return;
    const keys: string[] = [];
    for await (const object of this.list(`inputs/${jobId}/`)) keys.push(object.key);
    await this.remove(keys);
  }

  async stagedInputJobs(): Promise<string[]> {
    const jobs = new Set<string>();
    for await (const object of this.list('inputs/')) {
      const jobId = object.key.split('/')[1];
      if (jobId && isSafeSegment(jobId)) jobs.add(jobId);
    }
    return [...jobs];
  }

  async sweep(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    // A set (a job's results, a job's inputs, one upload) goes once its newest object is old.
    const sets = new Map<string, { keys: string[]; newest: number }>();
    for (const prefix of ['results/', 'inputs/', 'uploads/']) {
      for await (const object of this.list(prefix)) {
        const parts = object.key.split('/');
        const set = prefix === 'uploads/' ? object.key : parts.slice(0, 2).join('/');
        const entry = sets.get(set) ?? { keys: [], newest: 0 };
        entry.keys.push(object.key);
        entry.newest = Math.max(entry.newest, object.modified);
        sets.set(set, entry);
      }
    }
    const old = [...sets.values()].filter((s) => s.newest < cutoff);
    await this.remove(old.flatMap((s) => s.keys));
    return old.length;
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      // A missing bucket is an outage too (it is made at start, so someone removed it).
      if (isNotFound(err)) {
        const where = describeStore(this.options.settings, this.bucket);
        throw new BioQueueError('infrastructure', `S3 storage at ${where}: the bucket does not exist (it is created when the server or a worker starts)`, {}, { cause: err });
      }
      throw this.failure(err, 'checking the bucket');
    }
  }

  async stageInput(jobId: string, param: string, sourcePath: string): Promise<string> {
    const key = inputKey(jobId, param);
    await this.upload(key, sourcePath, 'application/octet-stream');
    return key;
  }

  async createUpload(owner: string): Promise<UploadTicket> {
    if (!isSafeSegment(owner)) throw new BioQueueError('input_invalid', `owner "${owner}" cannot own uploads`);
    const uploadId = newUploadId();
    const key = uploadKey(owner, uploadId);
    const link = await this.presign(new PutObjectCommand({ Bucket: this.bucket, Key: key }), `an upload link for ${key}`);
    return {
      upload_ref: `upload://${uploadId}`,
      upload_id: uploadId,
      url: link.url,
      method: 'PUT',
      expires_at: link.expires_at,
      max_bytes: this.options.uploadMaxBytes,
    };
  }

  async findUpload(owner: string, uploadId: string): Promise<{ key: string; size: number } | undefined> {
    if (!isSafeSegment(owner) || !UPLOAD_ID.test(uploadId)) return undefined;
    const key = uploadKey(owner, uploadId);
    const found = await this.head(this.bucket, key);
    return found && { key, size: found.size };
  }

  async findExternal(bucket: string, key: string): Promise<{ size: number } | undefined> {
    return this.head(bucket, key);
  }

  localPath(): undefined {
    return undefined; // every object is remote: the worker downloads it
  }

  async download(source: StoredSource, destPath: string, signal?: AbortSignal): Promise<void> {
    const bucket = 'bucket' in source ? source.bucket : this.bucket;
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: source.key }), signal ? { abortSignal: signal } : {});
      await pipeline(answer.Body as Readable, createWriteStream(destPath), signal ? { signal } : {});
    } catch (err) {
      await fs.rm(destPath, { force: true });
      throw storeError(err, `fetching s3://${bucket}/${source.key}`, describeStore(this.options.settings, bucket));
    }
  }

  // Streams a file into the store: one PUT when small, a multipart upload when large.
  private async upload(key: string, sourcePath: string, contentType: string, hashing?: HashingStream): Promise<void> {
    const { size } = await fs.stat(sourcePath);
    const source = createReadStream(sourcePath);
    const body = hashing ? source.pipe(hashing) : source;
    if (hashing) source.on('error', (err) => hashing.destroy(err));
    try {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
        partSize: Math.max(PART_SIZE, Math.ceil(size / MAX_PARTS)),
        queueSize: QUEUE_SIZE,
      });
      await upload.done();
    } catch (err) {
      throw this.failure(err, `storing ${key}`);
    } finally {
      source.destroy(); // a failed upload stops reading midway: close the file now, not at GC
    }
  }

  private async presign(command: GetObjectCommand | PutObjectCommand, what: string): Promise<{ url: string; expires_at: string }> {
    const ttl = this.options.linkTtlSeconds;
    const expiresAt = new Date(Date.now() + ttl * 1000);
    try {
      const url = await getSignedUrl(this.signer, command, { expiresIn: ttl });
      return { url, expires_at: expiresAt.toISOString() };
    } catch (err) {
      throw this.failure(err, `signing ${what}`);
    }
  }

  private async head(bucket: string, key: string): Promise<{ size: number } | undefined> {
    try {
      const answer = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: answer.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw storeError(err, `looking up s3://${bucket}/${key}`, describeStore(this.options.settings, bucket));
    }
  }

  private async *list(prefix: string): AsyncGenerator<{ key: string; modified: number }> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      } catch (err) {
        throw this.failure(err, `listing ${prefix}`);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, modified: object.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async remove(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      let answer;
      try {
        answer = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
      } catch (err) {
        throw this.failure(err, `removing ${batch.length} objects`);
      }
      const failed = answer.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0]!;
        throw this.failure(new Error(`${first.Key}: ${first.Code ?? ''} ${first.Message ?? ''}`.trim()), `removing ${failed.length} of ${batch.length} objects`);
      }
    }
  }

  private failure(err: unknown, action: string): BioQueueError {
    return storeError(err, action, describeStore(this.options.settings, this.bucket));
  }
}
