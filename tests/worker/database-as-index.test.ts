// An input that takes a FASTA or the name of a database that is already that FASTA's index
// (DIAMOND: a .dmnd is what diamond makedb builds): RunContext.index() answers the same question
// both ways, so a tool's steps never ask which one the caller gave. On real files; the "index"
// here is a copy made by cp, so the test needs no aligner.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../src/logger.js';
import { LocalResultStore } from '../../src/storage/local-result-store.js';
import { defineTool, type DatabaseKind, type IndexKind } from '../../tools/define-tool.js';
import type { BuildLocks } from '../../worker/build-lock.js';
import { prepareJobInputs, type JobInputsDeps } from '../../worker/job-inputs.js';
import { FIXTURES, makeTempDir } from '../inputs/temp-dir.js';

const copyIndex: IndexKind = {
  kind: 'copy',
  title: 'copy of the FASTA',
  binary: { name: 'cp', versionArgs: ['--version'], versionPattern: /cp \(GNU coreutils\) (\S+)/, install: { apt: 'coreutils', brew: 'coreutils', conda: 'conda-forge coreutils' } },
  sourceName: 'reference.fa',
  build: ({ source }) => [['cp', source, `${source}.copy`]],
  files: ({ source }) => [`${source}.copy`],
  use: ({ source }) => `${source}.copy`,
};

const copyDatabase: DatabaseKind = {
  kind: 'copydb',
  title: 'copy database',
  markers: ['.copy'],
  path: (dir, name) => `${dir}/${name}.copy`,
  asIndex: copyIndex,
};

const otherIndex: IndexKind = { ...copyIndex, kind: 'other' };

const tool = defineTool({
  name: 'copy_search',
  title: 'test tool',
  description: 'test tool',
  queue: 'blast',
  binaries: [copyIndex.binary],
  annotations: {},
  input: z.strictObject({ database: z.string() }),
  inputs: [{ param: 'database', formats: ['fasta'], orDatabase: copyDatabase, indexes: () => [{ index: copyIndex }] }],
  steps: () => [],
  outputs: () => [],
  summarize: async () => ({}),
  limits: { maxOutputBytes: 1 },
});

// One process's share of what the Redis locks do: a name is held by one builder at a time.
function processLocks(acquired: string[]): BuildLocks {
  const held = new Set<string>();
  return {
    async tryAcquire(name) {
      if (held.has(name)) return undefined;
      held.add(name);
      acquired.push(name);
      return { release: async () => void held.delete(name) };
    },
  };
}

let tmp: string;
let dbDir: string;
let acquired: string[];
let deps: JobInputsDeps;

beforeAll(async () => {
  tmp = await makeTempDir('as-index');
  dbDir = path.join(tmp, 'db');
  await fs.mkdir(dbDir);
  await fs.copyFile(path.join(FIXTURES, 'globins45.fa'), path.join(dbDir, 'globins.copy'));
  const dataDir = path.join(tmp, 'data');
  acquired = [];
  const log = createLogger('silent');
  deps = {
    config: { inputRoots: [FIXTURES], inputMaxBytes: 1_000_000, urlMaxBytes: 1_000_000, allowPrivateUrls: false, dbDir },
    store: new LocalResultStore({ dataDir, resultsDir: path.join(dataDir, 'results'), uploadMaxBytes: 1_000_000 }),
    index: { locks: processLocks(acquired), log, threads: 1, softTimeoutMs: 60_000, hardTimeoutMs: 60_000 },
    onStatus: async () => undefined,
    threads: 1,
  };
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function workDir(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.mkdir(dir);
  return dir;
}

describe('an input given as a database that is its own index (DatabaseKind.asIndex)', () => {
  it('answers index() with the database file, building nothing', async () => {
    const inputs = await prepareJobInputs(tool, { database: { kind: 'database', name: 'globins' } }, { database: 'globins' }, await workDir('w1'), deps);
    expect(inputs.context.index('database', copyIndex)).toBe(`${dbDir}/globins.copy`);
    expect(inputs.context.input('database')).toBe(`${dbDir}/globins.copy`);
    expect(inputs.indexes).toEqual([]);
    expect(acquired).toEqual([]);
    // Only the kind the database is: any other index of it was never declared.
    expect(() => inputs.context.index('database', otherIndex)).toThrow('copy_search: no other index of "database" was declared in its inputs');
  });

  it('still builds and caches the index of a FASTA given in its place', async () => {
    const fasta = path.join(FIXTURES, 'globins45.fa');
    const inputs = await prepareJobInputs(tool, { database: { kind: 'path', path: fasta } }, { database: fasta }, await workDir('w2'), deps);
    const sha256 = 'f22ab65168f200b80fc7c2d6e567c9ffe88f3ebd499fa93c31631e69ae7ed64c';
    expect(inputs.context.index('database', copyIndex)).toBe(path.join(dbDir, 'indexes', sha256, 'reference.fa.copy'));
    expect(inputs.indexes).toEqual([{ input: 'database', kind: 'copy', variant: null, sha256, reused: false, build_seconds: expect.any(Number) }]);
    expect(await fs.readFile(inputs.context.index('database', copyIndex), 'utf8')).toBe(await fs.readFile(fasta, 'utf8'));
  });
});
