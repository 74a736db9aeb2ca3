// Turns a tool's input string into the reference stored with the job, checking it at the edge
// so a bad input fails at submit, not minutes later on a worker. A string is exactly one of: a
// path inside the input roots, an http(s):// URL, an upload://<id> reference, an s3://bucket/key
// in an allowed bucket, job://<job_id>/<file> (an earlier job's output), inline text (anything
// with a line break, or starting with ">"), or — where the tool allows it — a database name;
// anything else is refused.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { BioQueueError, inputError } from '../errors.js';
import { checkInputText, type InputExpectation } from './check-input.js';
import { addressPolicy, parseFetchableUrl } from './fetch-url.js';
import { errorCode, resolveInsideRoots } from './path-roots.js';
import type { InputRef } from './input-ref-schema.js';

export { InputRefSchema, type InputRef } from './input-ref-schema.js';

export type InputRefConfig = Pick<Config, 'inputRoots' | 'inlineMaxBytes' | 'inputMaxBytes' | 'allowPrivateUrls'> & {
  /** Why a path is refused when inputRoots is empty, if not for want of BIO_QUEUE_INPUT_ROOTS (client-roots.ts). */
  noRootsReason?: string;
};

/** Looks up upload://, s3:// and job:// inputs for the submitting caller (each refuses what it cannot serve). */
export interface StoredInputResolver {
  upload(field: string, uploadId: string): Promise<InputRef>;
  s3(field: string, bucket: string, key: string): Promise<InputRef>;
  jobOutput(field: string, jobId: string, name: string): Promise<InputRef>;
}

/** What the value must be, and whether a bare name may mean a database. */
export interface InputRefExpectation extends InputExpectation {
  /** The tool also takes the name of a database here (list_databases). */
  databaseName?: RegExp;
}

const EXPECTED =
  'expected an absolute file path inside the input roots, an http(s):// URL, an upload:// reference from create_upload_url, an s3://bucket/key, job://<job_id>/<file>, or the text itself';
const UPLOAD_REF = /^upload:\/\/([A-Za-z0-9_-]{8,64})$/;
const JOB_REF = /^job:\/\/([^/\s]+)\/([^/\s]+)$/;
const S3_REF = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;
const SHOWN_CHARS = 60;

// Classifies and checks one input value; the returned reference is what the worker stages.
export async function resolveInputRef(
  field: string,
  value: string,
  expect: InputRefExpectation,
  config: InputRefConfig,
  stored: StoredInputResolver,
): Promise<InputRef> {
  // A path, a URL or a reference is one line; text with a line break can only be the data itself.
  if (value.includes('\n') || value.trimStart().startsWith('>')) return resolveInline(field, value, expect, config.inlineMaxBytes);
  if (/^https?:\/\//i.test(value)) {
    const url = parseFetchableUrl(field, value, addressPolicy(config.allowPrivateUrls));
    return { kind: 'url', url: url.href };
  }
  if (/^upload:/i.test(value)) {
    const id = UPLOAD_REF.exec(value)?.[1];
    if (!id) throw inputError(field, `${shown(value)} is not an upload reference; create_upload_url (or POST /uploads) gives one like "upload://…"`);
    return stored.upload(field, id);
  }
  if (/^s3:/i.test(value)) {
    const match = S3_REF.exec(value);
    if (!match) throw inputError(field, `${shown(value)} is not an s3://bucket/key URL`);
    return stored.s3(field, match[1]!, match[2]!);
  }
  if (/^job:/i.test(value)) {
    const match = JOB_REF.exec(value);
    if (!match) throw inputError(field, `${shown(value)} is not a job output reference; write job://<job_id>/<file>, with a file name get_job_result lists`);
    return stored.jobOutput(field, match[1]!, decodeFileName(field, value, match[2]!));
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (scheme) throw inputError(field, `${shown(value)}: ${scheme[1]}:// URLs are not accepted; ${EXPECTED}`);
  if (path.isAbsolute(value)) return { kind: 'path', path: await resolveLocalFile(field, value, config.inputRoots, config.inputMaxBytes, config.noRootsReason) };
  if (expect.databaseName?.test(value)) return { kind: 'database', name: value };
  const orDatabase = expect.databaseName ? ', or a database name from list_databases' : '';
  throw inputError(field, `${EXPECTED}${orDatabase} (got ${shown(value)})`);
}

// Size first (the message says what to do instead), then the same check a file gets.
function resolveInline(field: string, text: string, expect: InputExpectation, maxBytes: number): InputRef {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw inputError(
      field,
      `inline text is ${bytes} bytes, more than the ${maxBytes}-byte limit (BIO_QUEUE_INLINE_MAX_BYTES); pass a file path inside the input roots, an http(s):// URL or an upload:// reference instead`,
    );
  }
  // Tools expect ">" or "@" as the file's first byte; the check allows leading blanks.
  const trimmed = text.trimStart();
  checkInputText(field, trimmed, expect);
  return { kind: 'inline', text: trimmed };
}

// A local input: real path inside the roots, and a non-empty regular file we can read, no longer
// than maxBytes. The worker calls this again before using it, since the path (or the file's
// length) may have changed since submit.
export async function resolveLocalFile(field: string, p: string, roots: readonly string[], maxBytes: number, noRoots?: string): Promise<string> {
  const real = await resolveInsideRoots(field, p, roots, noRoots);
  const shownPath = JSON.stringify(p);
  let stat;
  try {
    stat = await fs.stat(real);
    await fs.access(real, fs.constants.R_OK);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT') throw inputError(field, `no such file: ${shownPath}`);
    if (code === 'EACCES') throw inputError(field, `${shownPath} cannot be read: permission denied`);
    throw new BioQueueError('infrastructure', `${field}: cannot read ${shownPath}: ${String(err)}`, { field }, { cause: err });
  }
  if (stat.isDirectory()) throw inputError(field, `${shownPath} is a directory, not a file`);
  if (!stat.isFile()) throw inputError(field, `${shownPath} is not a regular file`);
  if (stat.size === 0) throw inputError(field, `${shownPath} is an empty file`);
  // The length, not the blocks used: a sparse file costs its full length to anything that copies
  // or reads it through, and a tool reads every byte of it.
  if (stat.size > maxBytes) {
    throw inputError(field, `${shownPath} is ${stat.size} bytes, more than the ${maxBytes}-byte limit (BIO_QUEUE_INPUT_MAX_BYTES)`);
  }
  return real;
}

// A job:// file name may be percent-encoded (a space as %20); a "%" that starts no valid escape
// is the caller's typo, not a fault of ours (decodeURIComponent throws a URIError on it).
function decodeFileName(field: string, value: string, encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw inputError(field, `${shown(value)}: the file name is not valid percent-encoding; write "%" as %25`);
  }
}

// The value in quotes, cut short: a refused input may be a whole pasted sequence.
function shown(value: string): string {
  return JSON.stringify(value.length > SHOWN_CHARS ? `${value.slice(0, SHOWN_CHARS)}…` : value);
}
