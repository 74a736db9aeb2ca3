// Publishing a database a job built, with real makeblastdb output, the real build lock on the test
// run's Redis and real folders: two attempts of one job (a retry, or a frozen attempt that
// resumed) publish one database and the second keeps the first's files untouched; another job
// is still refused the name; a record left by a publisher that died before its database appeared
// does not block the name.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { BioQueueError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { findDatabase } from '../../src/databases/find-database.js';
import { listDatabaseCatalog } from '../../src/databases/database-catalog.js';
import { blastNucleotideDb } from '../../tools/blast-kinds.js';
import type { PublishSpec } from '../../tools/define-tool.js';
import { redisBuildLocks, type BuildLocks } from '../../worker/build-lock.js';
import { assertDatabaseFree, publishDatabase, publisherRecordPath } from '../../worker/publish-database.js';
import { REPO } from '../support/harness.js';

const LAMBDA = path.join(REPO, 'fixtures', 'lambda_virus.fa');
const spec: PublishSpec = { param: 'name', name: 'lambda', kind: blastNucleotideDb, prefix: 'db/lambda' };

let redis: Redis;
let locks: BuildLocks;
const log = createLogger('silent');
let root: string;
let dbDir: string;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  locks = redisBuildLocks(redis, `t${randomBytes(6).toString('hex')}`, log);
});
afterAll(async () => {
  await redis.quit();
});
afterEach(async () => {
  if (root) await fs.rm(root, { recursive: true, force: true });
});

// One attempt's work dir with the database makeblastdb built in it, as run-job leaves it before publishing.
async function attemptBuild(label: string): Promise<string> {
  const workDir = path.join(root, label);
  await fs.mkdir(path.join(workDir, 'db'), { recursive: true });
  await execa('makeblastdb', ['-in', LAMBDA, '-dbtype', 'nucl', '-out', 'db/lambda', '-title', 'lambda', '-parse_seqids'], { cwd: workDir });
  return workDir;
}

// File name → inode: a rename keeps the inode, so this tells whose files are where.
async function inodes(dir: string, keep: (f: string) => boolean = (f) => f.startsWith('lambda.')): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const f of (await fs.readdir(dir)).filter(keep).sort()) out.set(f, (await fs.stat(path.join(dir, f))).ino);
  return out;
}

// The error a taken name gets, naming the field, as today.
async function expectRefused(attempt: Promise<unknown>): Promise<void> {
  const err = await attempt.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(BioQueueError);
  expect(err).toMatchObject({ code: 'input_invalid', details: { field: 'name' } });
  expect((err as Error).message).toBe('name: database "lambda" already exists; choose another name');
}

async function blastdbcmdInfo(): Promise<string> {
  return (await execa('blastdbcmd', ['-db', path.join(dbDir, 'lambda'), '-info'])).stdout;
}

describe('publishing a database twice from one job', () => {
  it('lets a retry that finds its own job\'s database keep it, files untouched', async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'publish-db-'));
    dbDir = path.join(root, 'databases');
    const first = await attemptBuild('attempt1');
    const built = await inodes(path.join(first, 'db'));
    expect(await publishDatabase(first, dbDir, spec, { jobId: 'job-1', locks, log })).toBe('published');
    const published = await inodes(dbDir);
    expect(published).toEqual(built);

    // The retry checks the name before running, builds again, then publishes.
    await assertDatabaseFree(dbDir, spec, 'job-1');
    const second = await attemptBuild('attempt2');
    expect(await publishDatabase(second, dbDir, spec, { jobId: 'job-1', locks, log })).toBe('kept');
    expect(await inodes(dbDir)).toEqual(published);
    expect(await blastdbcmdInfo()).toContain('48,502 total bases');
    // Nothing new in the folder but the record, and list_databases shows one database.
    expect((await fs.readdir(dbDir)).filter((f) => !f.startsWith('lambda.'))).toEqual(['.lambda.blast-nucl.published-by']);
    const listed = await listDatabaseCatalog(dbDir, [blastNucleotideDb]);
    expect(listed.databases.map((d) => d.name)).toEqual(['lambda']);
    expect(listed.databases[0]!.size_bytes).toBe(await sizeOf(dbDir));
  });

  it('moves one attempt\'s files, all of them, when two attempts publish at the same moment', async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'publish-db-'));
    dbDir = path.join(root, 'databases');
    const attempts = await Promise.all(['a', 'b', 'c'].map(attemptBuild));
    const builds = await Promise.all(attempts.map((w) => inodes(path.join(w, 'db'))));
    const outcomes = await Promise.all(attempts.map((w) => publishDatabase(w, dbDir, spec, { jobId: 'job-2', locks, log })));
    expect(outcomes.filter((o) => o === 'published')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'kept')).toHaveLength(2);
    const winner = outcomes.indexOf('published');
    // Not a mix of two builds: exactly the winner's files, and the others' still in their work dirs.
    expect(await inodes(dbDir)).toEqual(builds[winner]);
    for (const [i, w] of attempts.entries()) if (i !== winner) expect(await inodes(path.join(w, 'db'))).toEqual(builds[i]);
    expect(await fs.readFile(publisherRecordPath(dbDir, spec), 'utf8')).toBe('job-2\n');
    expect(await blastdbcmdInfo()).toContain('48,502 total bases');
  });
});

describe('a name another job took', () => {
  it('is refused before the run and at the move, and its database is left as it was', async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'publish-db-'));
    dbDir = path.join(root, 'databases');
    await publishDatabase(await attemptBuild('owner'), dbDir, spec, { jobId: 'job-owner', locks, log });
    const before = await inodes(dbDir, () => true);
    await expectRefused(assertDatabaseFree(dbDir, spec, 'job-other'));
    await expectRefused(publishDatabase(await attemptBuild('other'), dbDir, spec, { jobId: 'job-other', locks, log }));
    expect(await inodes(dbDir, () => true)).toEqual(before);
  });

  it('is refused when the database was put there by hand (no record of a job)', async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'publish-db-'));
    dbDir = path.join(root, 'databases');
    await fs.mkdir(dbDir);
    await execa('makeblastdb', ['-in', LAMBDA, '-dbtype', 'nucl', '-out', path.join(dbDir, 'lambda')]);
    await expectRefused(assertDatabaseFree(dbDir, spec, 'job-3'));
    await expectRefused(publishDatabase(await attemptBuild('late'), dbDir, spec, { jobId: 'job-3', locks, log }));
    expect((await fs.readdir(dbDir)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('is free again when its publisher died before the database appeared: the record and half-moved files are replaced', async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'publish-db-'));
    dbDir = path.join(root, 'databases');
    await fs.mkdir(dbDir);
    // What a publisher killed midway leaves: its record and a file or two, never the index (moved last).
    await fs.writeFile(publisherRecordPath(dbDir, spec), 'job-dead\n');
    await fs.writeFile(path.join(dbDir, 'lambda.nsq'), 'half');
    expect(await findDatabase(dbDir, 'lambda', blastNucleotideDb)).toBe(false);
    await assertDatabaseFree(dbDir, spec, 'job-4');
    const work = await attemptBuild('fresh');
    const built = await inodes(path.join(work, 'db'));
    expect(await publishDatabase(work, dbDir, spec, { jobId: 'job-4', locks, log })).toBe('published');
    expect(await inodes(dbDir)).toEqual(built);
    expect(await fs.readFile(publisherRecordPath(dbDir, spec), 'utf8')).toBe('job-4\n');
    expect(await blastdbcmdInfo()).toContain('48,502 total bases');
  });
});

async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const f of await fs.readdir(dir)) if (f.startsWith('lambda.')) total += (await fs.stat(path.join(dir, f))).size;
  return total;
}
