// The names of stored objects, shared by both stores: results of a job, a caller's uploads, and
// inputs staged for a job. Every segment is checked, so a key from a URL can never walk out of
// its folder on disk or into another owner's uploads.
import { randomBytes } from 'node:crypto';

/** Job ids, owners, output names and parameter names: no "/", no leading "." or "-". */
export const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** What input-ref.ts accepts after "upload://". */
export const UPLOAD_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** The folders of our own objects in a bucket; s3:// inputs may never name them. */
export const MANAGED_PREFIXES: readonly string[] = ['results/', 'uploads/', 'inputs/'];

export type KeyParts =
  | { area: 'results'; jobId: string; name: string }
  | { area: 'uploads'; owner: string; uploadId: string }
  | { area: 'inputs'; jobId: string; param: string };

// 128 random bits, url-safe: 22 characters nobody can guess.
export function newUploadId(): string {
  return randomBytes(16).toString('base64url');
}

export function uploadKey(owner: string, uploadId: string): string {
  return `uploads/${owner}/${uploadId}`;
}

export function inputKey(jobId: string, param: string): string {
  return `inputs/${jobId}/${param}`;
}

export function isSafeSegment(value: string): boolean {
  return SAFE_SEGMENT.test(value);
}

/**
 * What a key names, or undefined for anything that is not one of ours. Result keys are
 * "<job>/<name>" on disk (as stored by earlier versions) and "results/<job>/<name>" in S3.
 */
export function parseKey(key: string, resultsPrefix: '' | 'results/'): KeyParts | undefined {
  const s = key.split('/');
  if (s.length === 3 && s[0] === 'uploads' && SAFE_SEGMENT.test(s[1]!) && UPLOAD_ID.test(s[2]!)) {
    return { area: 'uploads', owner: s[1]!, uploadId: s[2]! };
  }
  if (s.length === 3 && s[0] === 'inputs' && SAFE_SEGMENT.test(s[1]!) && SAFE_SEGMENT.test(s[2]!)) {
    return { area: 'inputs', jobId: s[1]!, param: s[2]! };
  }
  const r = resultsPrefix === '' ? s : s[0] === 'results' ? s.slice(1) : [];
  if (r.length === 2 && SAFE_SEGMENT.test(r[0]!) && SAFE_SEGMENT.test(r[1]!) && r[0] !== 'uploads' && r[0] !== 'inputs') {
    return { area: 'results', jobId: r[0]!, name: r[1]! };
  }
  return undefined;
}
