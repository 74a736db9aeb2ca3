// Moves a database a job built in its work dir (makeblastdb's volumes, diamond's .dmnd) into the
// databases folder, so a half-built database never appears there and a failed build leaves
// nothing behind; a name that is taken is refused before the tool runs and again at the move.
//
// A job can run twice (publish-once.ts): its first attempt moved the database in and died before
// its result was committed, or froze and resumed while a second attempt ran. The name is then
// taken by the job itself, and the job must not fail for it. So each published database has a
// small record of the job that published it, a hidden file beside it: `.<name>.<kind>.published-by`.
// A file rather than a Redis key because it lives exactly as long as the database it speaks for
// (no retention to outlive, no key left behind when someone deletes the database by hand), and
// list_databases, findDatabase and the size of a database all skip names starting with "." (a
// database name never starts with one). Publishing a name runs under the shared build lock of
// that name, which frees itself if its holder dies, so two attempts never move files at once:
// the second finds the database there, sees its own job in the record and keeps what the first
// published (the files readers may already have open are never replaced).
import fs from 'node:fs/promises';
import path from 'node:path';
import { BioQueueError, inputError } from '../src/errors.js';
import { findDatabase } from '../src/databases/find-database.js';
import type { Logger } from '../src/logger.js';
import type { PublishSpec } from '../tools/define-tool.js';
import { buildOnce, type BuildLocks } from './build-lock.js';

export interface PublishingJob {
  jobId: string;
  locks: BuildLocks;
  log: Logger;
  signal?: AbortSignal | undefined;
}

/** What publishing did: moved this attempt's files in, or kept the database an earlier attempt of the same job published. */
export type PublishOutcome = 'published' | 'kept';

async function filesOf(dir: string, name: string): Promise<string[]> {
  const entries = await fs.readdir(dir).catch(() => [] as string[]); // no folder yet: no files
  return entries.filter((f) => f.startsWith(`${name}.`));
}

/** The hidden file recording which job published database `db` (see the top of this file). */
export function publisherRecordPath(dbDir: string, db: Pick<PublishSpec, 'name' | 'kind'>): string {
  return path.join(dbDir, `.${db.name}.${db.kind.kind}.published-by`);
}

async function publisherOf(dbDir: string, db: PublishSpec): Promise<string | undefined> {
  // No record: put there by hand, or published before records existed; either way not this job's.
  return fs.readFile(publisherRecordPath(dbDir, db), 'utf8').then((s) => s.trim(), () => undefined);
}

/** Refuses a name another job (or a person) already gave a database; a database this very job published on an earlier attempt is no obstacle. */
export async function assertDatabaseFree(dbDir: string, db: PublishSpec, jobId: string): Promise<void> {
  if (!(await findDatabase(dbDir, db.name, db.kind))) return;
  if ((await publisherOf(dbDir, db)) === jobId) return;
  throw inputError(db.param, `database "${db.name}" already exists; choose another name`);
}

export async function publishDatabase(workDir: string, dbDir: string, db: PublishSpec, job: PublishingJob): Promise<PublishOutcome> {
  const sourceDir = path.join(workDir, path.dirname(db.prefix));
  const name = path.basename(db.prefix);
  const files = await filesOf(sourceDir, name);
  if (files.length === 0) throw new BioQueueError('tool_failed', `the tool wrote no database files for "${db.name}"`);
  await fs.mkdir(dbDir, { recursive: true });
  const outcome = await buildOnce(
    job.locks,
    `publish-database:${db.kind.kind}:${db.name}`,
    () => findDatabase(dbDir, db.name, db.kind),
    async () => {
      // Written first: a publisher that dies after the database appears has already said it is its.
      // A record left by a publisher that died before its database appeared is simply replaced.
      await fs.writeFile(publisherRecordPath(dbDir, db), `${job.jobId}\n`);
      await moveFiles(sourceDir, name, dbDir, db, files);
    },
    { signal: job.signal, onWait: () => job.log.info({ database: db.name }, 'another attempt or job is publishing a database of this name: waiting for it') },
  );
  if (outcome === 'built') return 'published';
  await assertDatabaseFree(dbDir, db, job.jobId);
  return 'kept';
}

// The files that make the database visible (a BLAST index or alias, a .dmnd) go last, so whoever
// sees the database sees all of it, and a publisher that dies midway leaves no database to find.
// Within one folder a file arrives whole by rename; from another filesystem it is copied to a
// hidden name beside its target first. Under the lock a file already at a target can only be left
// by a publisher that died midway: it is replaced.
async function moveFiles(sourceDir: string, name: string, dbDir: string, db: PublishSpec, files: readonly string[]): Promise<void> {
  const isMarker = (file: string) => db.kind.markers.some((m) => file === `${name}${m}`);
  const ordered = [...files.filter((f) => !isMarker(f)), ...files.filter(isMarker)];
  for (const file of ordered) {
    const source = path.join(sourceDir, file);
    const target = path.join(dbDir, `${db.name}${file.slice(name.length)}`);
    await fs.rename(source, target).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EXDEV') throw err;
      const partial = path.join(dbDir, `.${path.basename(target)}.partial`);
      await fs.copyFile(source, partial);
      await fs.rename(partial, target);
    });
  }
}
