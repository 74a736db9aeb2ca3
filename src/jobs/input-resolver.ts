// Resolves the inputs that live in storage for the caller who submits: an upload of theirs, an
// object in an allowed bucket, or an output of one of their own completed jobs (job://), so an
// assistant can say "now call variants on that". Another owner's job or upload does not exist
// for the caller. Where a kind of input cannot work here, it is refused saying why.
import type { Config } from '../config.js';
import { BioQueueError, inputError } from '../errors.js';
import type { InputRef, StoredInputResolver } from '../inputs/input-ref.js';
import type { ResultStore } from '../storage/result-store.js';
import { MANAGED_PREFIXES } from '../storage/store-keys.js';
import type { Caller } from './caller.js';
import type { JobStatusName, StoredFile } from './job-model.js';

export interface InputResolverDeps {
  store: ResultStore;
  config: Config;
  caller: Caller;
  /** The status and output files of one of the caller's jobs; throws not_found for any other id. */
  jobOutput(jobId: string): Promise<{ status: JobStatusName; files: readonly StoredFile[] }>;
  /** Told of every upload a submission names, with its size: the owner's quota counts it. */
  noteUpload?(key: string, size: number): Promise<void>;
}

export function createInputResolver({ store, config, caller, jobOutput, noteUpload }: InputResolverDeps): StoredInputResolver {
  const allowed = config.storage.s3.allowedBuckets;
  return {
    async upload(field, uploadId) {
      if (!store.canUpload) throw inputError(field, 'upload:// references need `bio-mcp-queue serve` or S3 storage');
      const found = await store.findUpload(caller.owner, uploadId);
      if (!found) throw inputError(field, `no finished upload "upload://${uploadId}" (PUT the file to its upload URL first; links expire)`);
      if (found.size === 0) throw inputError(field, `the upload "upload://${uploadId}" is empty`);
      // A presigned S3 PUT cannot cap its own size, so the cap is applied here.
      const max = config.http.uploadMaxBytes;
      if (found.size > max) throw inputError(field, `the upload "upload://${uploadId}" is ${found.size} bytes, more than the ${max}-byte limit (BIO_QUEUE_UPLOAD_MAX_BYTES)`);
      await noteUpload?.(found.key, found.size);
      return { kind: 'stored', key: found.key, name: `upload://${uploadId}` };
    },
    async s3(field, bucket, key) {
      if (store.kind !== 's3') throw inputError(field, 's3:// inputs need S3 storage (BIO_STORAGE_BACKEND=s3)');
      if (!allowed.includes(bucket)) {
        const list = allowed.length > 0 ? allowed.join(', ') : 'none set';
        throw inputError(field, `bucket "${bucket}" is not one s3:// inputs may use (BIO_STORAGE_ALLOWED_BUCKETS: ${list})`);
      }
      // Our own objects (other users' uploads, results and inputs) are reached only through
      // the ownership rules, never by naming their keys.
      if (bucket === config.storage.s3.bucket && MANAGED_PREFIXES.some((p) => key.startsWith(p))) {
        throw inputError(field, `s3://${bucket}/${key} is bio-mcp-queue's own storage; give an upload:// reference instead`);
      }
      const found = await store.findExternal(bucket, key);
      if (!found) throw inputError(field, `no object s3://${bucket}/${key}`);
      return { kind: 's3', bucket, key };
    },
    async jobOutput(field, jobId, name): Promise<InputRef> {
      const job = await jobOutput(jobId).catch((err: unknown) => {
        // An unknown job (or another owner's) is the caller's input mistake here, not a 404.
        if (err instanceof BioQueueError && err.code === 'not_found') throw inputError(field, `no job "${jobId}"; list_jobs shows the jobs that exist`);
        throw err;
      });
      if (job.status !== 'completed') {
        throw inputError(field, `job ${jobId} is ${job.status}, not completed: only a completed job's files can be used (wait_for_job, then submit again)`);
      }
      const file = job.files.find((f) => f.name === name);
      if (!file) {
        const names = job.files.map((f) => `"${f.name}"`).join(', ') || 'none';
        throw inputError(field, `job ${jobId} has no output file "${name}" (its files: ${names})`);
      }
      return { kind: 'stored', key: file.key, name: `job://${jobId}/${name}` };
    },
  };
}
