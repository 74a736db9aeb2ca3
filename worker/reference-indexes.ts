// Reference indexes (bwa index, minimap2 .mmi, samtools faidx, hmmpress, diamond makedb) built
// once per reference content and shared by every job and every worker that sees the databases
// folder: <db dir>/indexes/<sha256 of the content>/ holds one copy of the reference and each
// index built of it, with a <kind>.index.json marker written last. A build happens in a private
// folder and is moved in when complete, under a lock all workers share, so a half-built index
// is never used and two jobs racing on a new reference build it once. A database named in the
// folder itself (an HMM library) is indexed beside its file the same way ("pressed on first use").
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { INDEXES_DIR, type CachedIndex } from '../src/databases/database-catalog.js';
import { BioQueueError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import type { IndexKind } from '../tools/define-tool.js';
import { buildOnce, type BuildLocks } from './build-lock.js';
import type { RunGuard } from './resource-guard.js';
import { runPipeline, type RunPipelineOptions } from './run-pipeline.js';
import { toolFailure } from './tool-failure.js';


/** The marker file's content: what list_databases shows of a cached index, and what a build needs to know. */
export interface IndexMarker extends CachedIndex {
  title: string;
  files: string[];
  build_seconds: number;
  /** mtime of the source file when built: a database file replaced since is built again. */
  source_mtime_ms: number;
}

/** Where an index lives: a folder and the reference file in it. */
export interface IndexPlace {
  dir: string;
  source: string;
  /** Shown in listings and messages. */
  sourceName: string;
  sha256: string | null;
  /** The lock's name: the same for every worker that would build the same thing. */
  lockName: string;
  /** Checks the source before a build: a database file, which no job checks, is checked once per build. */
  check?(): Promise<void>;
}

export interface IndexDeps {
  locks: BuildLocks;
  log: Logger;
  threads: number;
  softTimeoutMs: number;
  hardTimeoutMs: number;
  signal?: AbortSignal | undefined;
  /** The job's memory limit, watched while an index builds. */
  guard?: RunGuard | undefined;
  launcher?: RunPipelineOptions['launcher'];
  /** Called when this job has to wait for another job's build, or starts one. */
  onStatus(message: string): Promise<void>;
}

export interface EnsuredIndex {
  /** Absolute path of the file a tool is given. */
  path: string;
  reused: boolean;
  buildSeconds: number | null;
}

/** The cache folder for a reference with this content, with the reference copied in once. */
export async function cachePlace(dbDir: string, sha256: string, stagedFile: string, sourceName: string, shownName: string): Promise<IndexPlace> {
  const dir = path.join(dbDir, INDEXES_DIR, sha256);
  await fs.mkdir(dir, { recursive: true });
  const source = path.join(dir, sourceName);
  const present = await fs.stat(source).then((s) => s.isFile(), () => false);
  if (!present) {
    // Copy then rename: every worker copying the same content at once ends with one whole file.
    const partial = path.join(dir, `.${sourceName}.${randomBytes(4).toString('hex')}`);
    await fs.copyFile(stagedFile, partial, fs.constants.COPYFILE_FICLONE);
    await fs.rename(partial, source);
  }
  return { dir, source: sourceName, sourceName: shownName, sha256, lockName: `index:${sha256}` };
}

/** A database file in the databases folder, indexed where it is (after `check`, when given). */
export function inPlace(dbDir: string, file: string, databaseName: string, check?: () => Promise<void>): IndexPlace {
  return { dir: dbDir, source: file, sourceName: databaseName, sha256: null, lockName: `index:db:${file}`, ...(check ? { check } : {}) };
}

function markerPath(place: IndexPlace, kind: IndexKind, variant: string | undefined): string {
  const name = `${kind.kind}${variant ? `.${variant}` : ''}.index.json`;
  // Beside a database the marker is hidden, so the folder's listing stays the databases'.
  return path.join(place.dir, place.sha256 === null ? `.${place.source}.${name}` : name);
}

async function readMarker(file: string): Promise<IndexMarker | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as IndexMarker;
  } catch {
    return undefined; // no marker (yet), or one being replaced: not built
  }
}

// The index is usable when its marker exists, its files are there and its source is the one it was built from.
async function isBuilt(place: IndexPlace, kind: IndexKind, variant: string | undefined): Promise<boolean> {
  const marker = await readMarker(markerPath(place, kind, variant));
  if (!marker) return false;
  const source = await fs.stat(path.join(place.dir, place.source)).catch(() => undefined); // gone: not built
  if (!source || Math.floor(source.mtimeMs) !== marker.source_mtime_ms) return false;
  for (const file of marker.files) {
    if (!(await fs.stat(path.join(place.dir, file)).then((s) => s.isFile(), () => false))) return false;
  }
  return true;
}

export async function ensureIndex(place: IndexPlace, kind: IndexKind, variant: string | undefined, deps: IndexDeps): Promise<EnsuredIndex> {
  const use = { source: place.source, variant };
  const what = `the ${kind.title}${variant ? ` (${variant})` : ''} of ${place.sourceName}`;
  let buildSeconds: number | null = null;
  const outcome = await buildOnce(
    deps.locks,
    `${place.lockName}:${kind.kind}${variant ? `:${variant}` : ''}`,
    () => isBuilt(place, kind, variant),
    async () => {
      await place.check?.();
      await deps.onStatus(`building ${what}`);
      const started = Date.now();
      await buildIndex(place, kind, variant, deps);
      buildSeconds = (Date.now() - started) / 1000;
    },
    { signal: deps.signal, onWait: () => deps.onStatus(`waiting for another job building ${what}`) },
  );
  const reused = outcome === 'reused';
  deps.log.info({ kind: kind.kind, variant, sha256: place.sha256, source: place.sourceName, reused, buildSeconds }, reused ? `reusing ${what}` : `built ${what}`);
  return { path: path.join(place.dir, kind.use(use)), reused, buildSeconds };
}

// Builds in a private folder beside the cache entry, then moves the finished files in and
// writes the marker last.
async function buildIndex(place: IndexPlace, kind: IndexKind, variant: string | undefined, deps: IndexDeps): Promise<void> {
  const work = path.join(place.dir, `.build-${kind.kind}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(work);
  try {
    const sourceFile = path.join(place.dir, place.source);
    await fs.link(sourceFile, path.join(work, place.source)).catch(() => fs.copyFile(sourceFile, path.join(work, place.source), fs.constants.COPYFILE_FICLONE));
    const started = Date.now();
    for (const argv of kind.build({ source: place.source, variant, threads: deps.threads })) {
      const run = await runPipeline({
        pipeline: [argv],
        cwd: work,
        env: { TMPDIR: work },
        softTimeoutMs: deps.softTimeoutMs,
        hardTimeoutMs: deps.hardTimeoutMs,
        signal: deps.signal,
        ...(deps.guard ? { guard: deps.guard } : {}),
        launcher: deps.launcher,
        log: deps.log,
      });
      const failure = toolFailure(run, { label: `building ${kind.title}`, rules: [], params: {}, installOf: () => kind.binary.install, limits: deps, memoryBackstop: deps.guard?.memoryBackstop });
      if (failure) throw failure;
    }
    const files = kind.files({ source: place.source, variant });
    let size = 0;
    for (const file of files) {
      const stat = await fs.stat(path.join(work, file)).catch(() => undefined); // missing: said below
      if (!stat) throw new BioQueueError('tool_failed', `${kind.binary.name} exited 0 but wrote no ${file} while building ${kind.title}`);
      size += stat.size;
    }
    for (const file of files) if (file !== place.source) await fs.rename(path.join(work, file), path.join(place.dir, file));
    const source = await fs.stat(sourceFile);
    const marker: IndexMarker = {
      kind: kind.kind,
      variant: variant ?? null,
      title: kind.title,
      source_name: place.sourceName,
      sha256: place.sha256,
      files,
      size_bytes: size,
      built_at: new Date().toISOString(),
      build_seconds: (Date.now() - started) / 1000,
      source_mtime_ms: Math.floor(source.mtimeMs),
    };
    const partial = path.join(work, 'marker.json');
    await fs.writeFile(partial, JSON.stringify(marker, null, 2));
    await fs.rename(partial, markerPath(place, kind, variant));
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
