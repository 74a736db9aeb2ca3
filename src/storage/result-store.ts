// Where result files live. Local disk now; S3 comes behind the same interface, so neither the
// worker nor the adapters know which one they talk to.
import type { StoredFile } from '../jobs/job-model.js';

export interface FileLink {
  url: string;
  /** ISO time the link stops working, or null for links that do not expire (file://). */
  expires_at: string | null;
}

export interface ResultStore {
  /** Takes a finished output file into the store, hashing it on the way. */
  put(jobId: string, name: string, sourcePath: string, mediaType: string): Promise<StoredFile>;
  /** A link the client can download from, made fresh on every call. */
  link(file: StoredFile): Promise<FileLink>;
  /** Bytes [offset, offset + length) of a stored file; fewer at its end. */
  read(key: string, offset: number, length: number): Promise<Buffer>;
  /** Removes every file of a job (cancel, retention). */
  removeJob(jobId: string): Promise<void>;
  /** Removes the files of jobs older than the given age; returns how many jobs' files went. */
  sweep(olderThanMs: number): Promise<number>;
}
