// A failed job's error is read by whoever submitted it, and tools name paths in their words:
// BLAST prints its search path ("No alias or index file found for nucleotide database
// [/srv/bioq/databases/nt] in search path [/srv/bioq/databases::]"), samtools the file it could
// not open, Node the file a copy failed on. The server's folders are none of a client's business
// (and tell an attacker where things are), so every text of a job's error is rewritten before
// it leaves the worker: a path in the work dir becomes relative to it (what the job's own
// command names), a database or cached index becomes its name, other places in the data dir a
// placeholder. The tool's own words stay, so the message stays useful.
import fs from 'node:fs/promises';
import path from 'node:path';
import { BioQueueError, type ErrorDetails } from '../src/errors.js';

export interface ServerPlaces {
  workDir: string;
  workRoot: string;
  dbDir: string;
  dataDir: string;
}

export type PathHider = (text: string) => string;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A folder's name ends where a path character does not follow ("/data/db" is not in "/data/db2").
const END = '(?![\\w.-])';

/** Rewrites the server's folders in a text; folders are also matched by their real path (a tool may print either). */
export async function serverPathHider(places: ServerPlaces): Promise<PathHider> {
  const variants = async (dir: string) => [...new Set([path.resolve(dir), await fs.realpath(dir).catch(() => path.resolve(dir))])];
  const rules: [RegExp, string][] = [];
  // Most specific first: the work dir sits in the work root, which sits in the data dir, as may the databases.
  for (const dir of await variants(places.workDir)) {
    rules.push([new RegExp(`${escape(dir)}/+`, 'g'), ''], [new RegExp(`${escape(dir)}${END}`, 'g'), '.']);
  }
  for (const dir of await variants(places.dbDir)) {
    // A cached index (indexes/<sha256>/, or the private folder it is built in) by its file's name.
    rules.push([new RegExp(`${escape(dir)}/+indexes/+[0-9a-f]{64}/+(?:\\.build-[^/\\s]+/+)?`, 'g'), '']);
    rules.push([new RegExp(`${escape(dir)}/+`, 'g'), ''], [new RegExp(`${escape(dir)}${END}`, 'g'), '<databases>']);
  }
  for (const dir of await variants(places.workRoot)) {
    rules.push([new RegExp(`${escape(dir)}(?:/[^\\s'"\\]\\[:,)]*)?`, 'g'), '<work>']);
  }
  for (const dir of await variants(places.dataDir)) {
    rules.push([new RegExp(`${escape(dir)}/+`, 'g'), '<data dir>/'], [new RegExp(`${escape(dir)}${END}`, 'g'), '<data dir>']);
  }
  return (text) => rules.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** The same error with its message and every text detail rewritten; the class, code and cause stay. */
export function hideServerPaths(err: unknown, hide: PathHider): unknown {
  if (err instanceof BioQueueError) {
    const details: ErrorDetails = { ...err.details };
    if (details.stderr_tail !== undefined) details.stderr_tail = hide(details.stderr_tail);
    if (details.hint !== undefined) details.hint = hide(details.hint);
    if (details.command !== undefined) details.command = details.command.map(hide);
    return new BioQueueError(err.code, hide(err.message), details, { cause: err });
  }
  // An infrastructure fault (a failed copy, a full disk) is stored by its message alone.
  if (err instanceof Error) {
    const hidden = hide(err.message);
    if (hidden === err.message) return err;
    const copy = new Error(hidden, { cause: err });
    copy.name = err.name;
    return copy;
  }
  return typeof err === 'string' ? hide(err) : err;
}
