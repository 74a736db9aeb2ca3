// Puts a job's inputs where its tool can read them and checks each one before the tool runs,
// since many tools exit 0 on garbage. A local file (a path inside the roots, or a file of local
// storage such as another job's output) is used in place through a link in the work dir: a
// 5 GB FASTQ costs no copy and is only read, once, by the streaming check. URLs and remote
// objects are downloaded into the work dir; inline text is written there. Gzip input is kept
// as it is for tools that read it, and decompressed (in the same pass as the check) for the
// others and for references whose indexes are cached. A BAM is gzip too (BGZF), but a binary
// format every tool reads as it is: it keeps its name and is never decompressed.
import { mkdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { Config } from '../src/config.js';
import { BioQueueError, inputError } from '../src/errors.js';
import { checkInputFile, checkInputText, type InputCheck } from '../src/inputs/check-input.js';
import { downloadUrl } from '../src/inputs/fetch-url.js';
import { isGzip } from '../src/inputs/gzip-input.js';
import { resolveLocalFile, type InputRef } from '../src/inputs/input-ref.js';
import type { ResultStore } from '../src/storage/result-store.js';
import type { DatabaseKind, InputSpec } from '../tools/define-tool.js';
import { findDatabase } from '../src/databases/find-database.js';
import { writeSmallFile } from './in-place-files.js';

export type StageConfig = Pick<Config, 'inputRoots' | 'inputMaxBytes' | 'urlMaxBytes' | 'allowPrivateUrls' | 'dbDir'>;

export interface StageDeps {
  config: StageConfig;
  /** Where uploads, staged path inputs, job outputs and s3:// inputs come from. */
  store: Pick<ResultStore, 'download' | 'localPath'>;
  signal?: AbortSignal | undefined;
}

/** An input file ready for the tool. */
export interface StagedFile {
  kind: 'file';
  /** What the tool is given: relative to the work dir. */
  path: string;
  /** The same file, absolute (what an index cache copies). */
  absolute: string;
  /** What the caller gave, for index listings: a file name ("lambda_virus.fa"), or the job:// or upload:// reference. */
  shownName: string;
  check: InputCheck;
}

/** A database named instead of a file (hmmscan's profiles, DIAMOND's database). */
export interface StagedDatabase {
  kind: 'database';
  name: string;
  database: DatabaseKind;
  /** What the tool is given (DatabaseKind.path). */
  path: string;
}

export type StagedInput = StagedFile | StagedDatabase;

/** Longest a download may go without receiving anything; the job's own time limit caps the total. */
const DOWNLOAD_IDLE_TIMEOUT_MS = 60_000;
export const INPUTS_DIR = 'inputs';
const BAM_MAGIC = Buffer.from('BAM\x01', 'latin1');
/** Compressed bytes read to see what a gzip file holds: the first block's start inflates from far fewer. */
const PEEK_BYTES = 4096;

/** Picks file names in the work dir's inputs/ folder: the caller's own names where possible, never twice. */
export class InputNames {
  private readonly used = new Set<string>();

  take(field: string, wanted: string): string {
    let name = safeFileName(wanted) || safeFileName(field) || 'input';
    if (this.used.has(name)) name = `${safeFileName(field)}-${name}`;
    for (let i = 2; this.used.has(name); i++) name = `${safeFileName(field)}-${i}-${name}`;
    this.used.add(name);
    return name;
  }
}

// Stages one input reference as `field` (the parameter, or "param.N" in a list).
export async function stageInput(
  field: string,
  ref: InputRef,
  spec: InputSpec,
  residues: 'nucleotide' | 'protein' | 'any',
  workDir: string,
  names: InputNames,
  deps: StageDeps,
): Promise<StagedInput> {
  if (ref.kind === 'database') return stageDatabase(field, ref.name, spec, deps.config.dbDir);
  // step-inputs.ts turns these into the stored files of their steps before anything is staged.
  if (ref.kind === 'step') throw new BioQueueError('infrastructure', `${field}: the output of pipeline step ${ref.step} was not resolved before staging`);
  mkdirSync(path.join(workDir, INPUTS_DIR), { recursive: true });
  const raw = await placeRaw(field, ref, workDir, names, deps);
  // References with cached indexes are kept decompressed, so every index kind can read them.
  const decompress = raw.gzip && (!spec.readsGzip || spec.indexes !== undefined);
  const plainName = decompress ? names.take(field, raw.name.replace(/\.(gz|bgz|bgzf)$/i, '')) : undefined;
  const expectation = { formats: spec.formats, residues, ...(spec.keepIds ? { keepIds: true } : {}) };
  // Inline text is checked from memory, as at submit: the file just written from it holds the
  // same bytes, and reading them back cost a stat, an open, two reads and a close (issue 11).
  const check =
    ref.kind === 'inline'
      ? checkInputText(field, ref.text, expectation)
      : await checkInputFile(field, path.join(workDir, raw.relative), expectation, {
          ...(plainName ? { decompressTo: path.join(workDir, INPUTS_DIR, plainName) } : {}),
          ...(deps.signal ? { signal: deps.signal } : {}),
        });
  // The checker decompresses only gzip *text*: a BAM (BGZF by design) stays as it is.
  const relative = check.decompressedTo ? `${INPUTS_DIR}/${plainName}` : raw.relative;
  return { kind: 'file', path: relative, absolute: path.join(workDir, relative), shownName: raw.shownName, check };
}

interface RawInput {
  /** Work-dir-relative path of the file as given (a link, a download or written text). */
  relative: string;
  name: string;
  shownName: string;
  gzip: boolean;
}

// The bytes as the caller gave them, linked or fetched into inputs/, named so that tools which
// go by the file extension (fastp and ".gz") see the right one.
async function placeRaw(field: string, ref: Exclude<InputRef, { kind: 'database' | 'step' }>, workDir: string, names: InputNames, deps: StageDeps): Promise<RawInput> {
  const { config, signal } = deps;
  const dir = path.join(workDir, INPUTS_DIR);
  if (ref.kind === 'inline') {
    const name = names.take(field, `${field}${inlineExtension(ref.text)}`);
    await writeSmallFile(path.join(dir, name), ref.text, signal);
    return { relative: `${INPUTS_DIR}/${name}`, name, shownName: 'inline text', gzip: false };
  }
  // What listings show of this input: never a full local path, which is the operator's business.
  const shownName = ref.kind === 'path' ? path.basename(ref.path) : ref.kind === 'stored' ? ref.name : ref.kind === 'url' ? ref.url : `s3://${ref.bucket}/${ref.key}`;
  // Local files: a link to the real file, which stays where it is and is only read. (So unlike
  // a copy, a file rewritten between the check and the run would reach the tool: the check
  // guards against mistakes, and the roots are the operator's.)
  const real = await localFileOf(field, ref, deps);
  if (real !== undefined) {
    const gzip = await isGzipText(field, real);
    const name = names.take(field, withGzipSuffix(baseNameOf(ref), gzip));
    await fs.symlink(real, path.join(dir, name));
    return { relative: `${INPUTS_DIR}/${name}`, name, shownName, gzip };
  }
  const partial = path.join(dir, `.${names.take(field, `${field}.part`)}`);
  if (ref.kind === 'url') {
    await downloadUrl(field, ref.url, partial, { maxBytes: config.urlMaxBytes, allowPrivate: config.allowPrivateUrls, timeoutMs: DOWNLOAD_IDLE_TIMEOUT_MS, signal });
  } else if (ref.kind === 'stored' || ref.kind === 's3') {
    const source = ref.kind === 'stored' ? { key: ref.key } : { bucket: ref.bucket, key: ref.key };
    await deps.store.download(source, partial, signal).catch((err: unknown) => {
      // Gone between submit and now (retention, someone deleting it): the input's fault, no retry helps.
      if (err instanceof BioQueueError && err.code === 'not_found') throw inputError(field, `${shownName} is no longer in storage`);
      throw err;
    });
  } else {
    throw new Error(`${field}: the path ${ref.path} should have been linked, not fetched`);
  }
  const gzip = await isGzipText(field, partial);
  const name = names.take(field, withGzipSuffix(baseNameOf(ref), gzip));
  await fs.rename(partial, path.join(dir, name));
  return { relative: `${INPUTS_DIR}/${name}`, name, shownName, gzip };
}

// The file on this machine's disk behind a reference, if there is one: a path inside the roots
// (its real path, checked again since submit, as a folder on the way may have become a symlink
// leading out), or an object of local storage (another job's output, an upload).
async function localFileOf(field: string, ref: Exclude<InputRef, { kind: 'database' | 'inline' | 'step' }>, deps: StageDeps): Promise<string | undefined> {
  if (ref.kind === 'path') return resolveLocalFile(field, ref.path, deps.config.inputRoots, deps.config.inputMaxBytes);
  if (ref.kind !== 'stored') return undefined;
  const file = deps.store.localPath(ref.key);
  if (file === undefined) return undefined;
  const found = await fs.stat(file).then((s) => s.isFile(), () => false);
  if (!found) throw inputError(field, `${ref.name} is no longer in storage`);
  return file;
}

async function stageDatabase(field: string, name: string, spec: InputSpec, dbDir: string): Promise<StagedDatabase> {
  const database = spec.orDatabase;
  if (!database) throw inputError(field, `expected a file, not the database name "${name}"`);
  if (!(await findDatabase(dbDir, name, database))) {
    throw inputError(field, `no ${database.title} "${name}"; list_databases shows what exists`);
  }
  return { kind: 'database', name, database, path: database.path(dbDir, name) };
}

// Gzip-compressed text (FASTQ, FASTA, VCF): named ".gz" and decompressed for tools that need it.
// Not a BAM, whose first BGZF block inflates to "BAM\1".
async function isGzipText(field: string, file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r').catch((err: unknown) => {
    throw new BioQueueError('infrastructure', `${field}: cannot open the staged input: ${String(err)}`, { field }, { cause: err });
  });
  let head: Buffer;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(PEEK_BYTES), 0, PEEK_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (!isGzip(head)) return false;
  try {
    // A sync flush inflates what these bytes hold without asking for the rest of the stream.
    const inflated = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 1 << 20 });
    return !inflated.subarray(0, BAM_MAGIC.length).equals(BAM_MAGIC);
  } catch {
    return true; // corrupt or odd gzip: the input check says what is wrong with it
  }
}

// The last segment of what the caller gave (path, URL, upload, job output).
function baseNameOf(ref: Exclude<InputRef, { kind: 'database' | 'inline' | 'step' }>): string {
  switch (ref.kind) {
    case 'path':
      return path.basename(ref.path);
    case 'url':
      return decodeSegment(new URL(ref.url).pathname.split('/').pop() ?? '');
    case 'stored':
      return ref.name.startsWith('upload://') ? '' : (ref.name.split('/').pop() ?? '');
    case 's3':
      return ref.key.split('/').pop() ?? '';
  }
}

// A file name's extension for inline text, from how the text starts, as its checker will judge it.
function inlineExtension(text: string): string {
  if (/^@(HD|SQ|RG|PG|CO)\t/.test(text)) return '.sam';
  if (text.startsWith('@')) return '.fq';
  if (text.startsWith('>')) return '.fa';
  if (text.startsWith('##fileformat=VCF')) return '.vcf';
  if (text.startsWith('HMMER')) return '.hmm';
  return '.txt';
}

// Gzip text is named ".gz" for tools that go by the name (fastp). BAM and BCF are BGZF (gzip) by
// definition: "x.bam" already says how to read it, and tools (and the index beside it,
// x.bam.bai) go by that name.
function withGzipSuffix(name: string, gzip: boolean): string {
  if (!gzip || /\.(gz|bgz|bgzf|bam|bcf)$/i.test(name)) return name;
  return `${name || 'input'}.gz`;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// Letters, digits, ".", "_" and "-" only, never leading "." or "-": a name no tool reads as an option.
function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]+/, '').slice(0, 120);
}
