// Where files live: job results, uploads and inputs staged for remote workers. A directory on
// disk (local-result-store.ts) or any S3-compatible store (s3-result-store.ts) behind one
// interface, so neither the worker nor the adapters know which one they talk to.
// Keys are opaque outside the store that made them.
import type { Readable } from 'node:stream';
import type { LinkCheck, LinkMethod } from './link-signer.js';
import type { StoredFile } from './stored-file.js';
import type { UploadTicket } from './upload-ticket.js';

export type { UploadTicket };

export interface FileLink {
  url: string;
  /** ISO time the link stops working, or null for links that do not expire (file://). */
  expires_at: string | null;
}

/** Where a staged input comes from: an object of ours, or one in an allowed external bucket. */
export type StoredSource = { key: string } | { bucket: string; key: string };

/** A stored file on its way out through GET /files/<key>. */
export interface FileDownload {
  stream: Readable;
  size: number;
  mediaType: string;
}

/**
 * The files `serve` itself hands out and takes in at /files/<key>, behind links the store signed:
 * local storage behind `serve`. S3 links lead to the bucket and stdio's are file:// URLs, so
 * those stores have none.
 */
export interface ServedFiles {
  /** Whether a link's expires and sig parameters let this method reach this key now. */
  verify(method: LinkMethod, key: string, expires: string | undefined, sig: string | undefined): LinkCheck;
  /** The file as a stream (after verify); not_found once it is gone. */
  openDownload(key: string): Promise<FileDownload>;
  /** Streams a PUT body into an upload (after verify); payload_too_large past maxBytes, keeping nothing. */
  receiveUpload(key: string, body: Readable, maxBytes: number): Promise<{ size: number }>;
}

export interface ResultStore {
  readonly kind: 'local' | 's3';
  /** Whether createUpload works here (local storage only with `serve` signing the links). */
  readonly canUpload: boolean;
  /** What the HTTP server serves at /files for this store, or undefined where links lead elsewhere. */
  readonly servedFiles: ServedFiles | undefined;
  /** Takes a finished output file into the store, hashing it on the way; streams, never whole in memory. */
  put(jobId: string, name: string, sourcePath: string, mediaType: string): Promise<StoredFile>;
  /** A link the client can download from, made fresh on every call. */
  link(file: StoredFile): Promise<FileLink>;
  /** Bytes [offset, offset + length) of a stored file; fewer at its end. */
  read(key: string, offset: number, length: number): Promise<Buffer>;
  /** Removes these stored files of a job: an attempt whose result lost to another's (worker/publish-once.ts). */
  removeFiles(files: readonly StoredFile[]): Promise<void>;
  /** Removes the job's stored results that `keep` does not list: the files of attempts that died before publishing. */
  removeResultsExcept(jobId: string, keep: readonly StoredFile[]): Promise<void>;
  /** Removes every file of a job (results and staged inputs): cancel, retention. */
  removeJob(jobId: string): Promise<void>;
  /** Removes the inputs staged for a job (inputs/<jobId>/), once the job has ended. */
  removeStagedInputs(jobId: string): Promise<void>;
  /** The ids of the jobs that have staged inputs in the store: the sweep removes those whose job has ended. */
  stagedInputJobs(): Promise<string[]>;
  /** Removes result sets, staged inputs and uploads older than the given age; returns how many sets went. */
  sweep(olderThanMs: number): Promise<number>;
  /** Throws (infrastructure) when the store cannot be reached: /health. */
  check(): Promise<void>;
  /** Copies a local input file into the store for a job, so a worker on another machine can fetch it; returns its key. */
  stageInput(jobId: string, param: string, sourcePath: string): Promise<string>;
  /** A presigned upload for owner; throws input_invalid when !canUpload. */
  createUpload(owner: string): Promise<UploadTicket>;
  /** The key and size of owner's finished upload, or undefined (none, another owner's, or not uploaded yet). */
  findUpload(owner: string, uploadId: string): Promise<{ key: string; size: number } | undefined>;
  /** Size of an object in another bucket (s3:// inputs), or undefined when it does not exist. Local storage throws input_invalid. */
  findExternal(bucket: string, key: string): Promise<{ size: number } | undefined>;
  /** The file of one of our objects on this machine's disk, when the store keeps it there: a worker then reads it in place instead of copying. */
  localPath(key: string): string | undefined;
  /** Streams a stored object to destPath (the worker staging an input). */
  download(source: StoredSource, destPath: string, signal?: AbortSignal): Promise<void>;
}
