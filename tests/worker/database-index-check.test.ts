// A database named in place of an input file is indexed where it lies on first use (an HMM
// library pressed by hmmpress); its file is checked as the input would be before that build, since
// an indexer may take a bad file without a word. Shown with a reference FASTA database and
// samtools faidx, which indexes a protein record among nucleotide ones and exits 0.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { LocalResultStore } from '../../src/storage/local-result-store.js';
import type { AnyToolDefinition, DatabaseKind } from '../../tools/define-tool.js';
import { faidxIndex, samtoolsBinary } from '../../tools/samtools-kinds.js';
import type { BuildLocks } from '../../worker/build-lock.js';
import { prepareJobInputs, type JobInputsDeps } from '../../worker/job-inputs.js';
import { inputInvalid } from '../inputs/expect-error.js';
import { FIXTURES, makeTempDir } from '../inputs/temp-dir.js';

const referenceDb: DatabaseKind = {
  kind: 'reference',
  title: 'reference FASTA',
  markers: ['.fa'],
  path: (dir, name) => `${dir}/${name}.fa`,
  file: (name) => `${name}.fa`,
  index: faidxIndex,
};

// Only what prepareJobInputs reads: one nucleotide input that may name a database instead.
const tool = {
  name: 'faidx_user',
  binaries: [samtoolsBinary],
  inputs: [{ param: 'reference', formats: ['fasta'], residues: 'nucleotide', orDatabase: referenceDb }],
} as unknown as AnyToolDefinition;

// One process, one lock holder at a time is all this test needs.
const locks: BuildLocks = { tryAcquire: async () => ({ release: async () => undefined }) };

let tmp: string;
let dbDir: string;
let n = 0;
let deps: JobInputsDeps;

const prepare = async (name: string) => {
  const work = path.join(tmp, `work-${++n}`);
  await fs.mkdir(work);
  return prepareJobInputs(tool, { reference: { kind: 'database', name } }, {}, work, deps);
};

beforeAll(async () => {
  tmp = await makeTempDir('db-index');
  dbDir = path.join(tmp, 'db');
  await fs.mkdir(dbDir);
  const dataDir = path.join(tmp, 'data');
  deps = {
    config: { inputRoots: [], inputMaxBytes: 1_000_000, urlMaxBytes: 1_000_000, allowPrivateUrls: false, dbDir },
    store: new LocalResultStore({ dataDir, resultsDir: path.join(dataDir, 'results'), uploadMaxBytes: 1_000_000 }),
    index: { locks, log: createLogger('silent'), threads: 1, softTimeoutMs: 60_000, hardTimeoutMs: 60_000 },
    onStatus: async () => undefined,
    threads: 1,
  };
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('a database indexed in place', () => {
  it('is refused before its index is built when its file is not what the input takes, naming the database', async () => {
    const lambda = await fs.readFile(path.join(FIXTURES, 'lambda_virus.fa'), 'utf8');
    const protein = await fs.readFile(path.join(FIXTURES, 'hbb_human.fa'), 'utf8');
    await fs.writeFile(path.join(dbDir, 'mixed.fa'), lambda + protein);
    // The indexer alone takes it.
    const aside = path.join(tmp, 'aside.fa');
    await fs.copyFile(path.join(dbDir, 'mixed.fa'), aside);
    expect((await execa('samtools', ['faidx', aside])).exitCode).toBe(0);

    await expect(prepare('mixed')).rejects.toMatchObject(
      inputInvalid(
        'reference: the reference FASTA "mixed" in the databases folder: record 2 (HBB_HUMAN) looks like protein, not nucleotide: 30% of its letters are not nucleotide codes (ACGTUN or IUPAC ambiguity codes)',
      ),
    );
    expect((await fs.readdir(dbDir)).sort()).toEqual(['mixed.fa']);
  });

  it('is checked and indexed once, then used without being read again', async () => {
    await fs.copyFile(path.join(FIXTURES, 'lambda_virus.fa'), path.join(dbDir, 'lambda.fa'));
    const first = await prepare('lambda');
    expect(first.indexes).toEqual([{ input: 'reference', kind: 'faidx', variant: null, sha256: '', reused: false, build_seconds: expect.any(Number) }]);
    expect(first.context.index('reference', faidxIndex)).toBe(path.join(dbDir, 'lambda.fa'));
    expect(await fs.readdir(dbDir)).toEqual(expect.arrayContaining(['lambda.fa', 'lambda.fa.fai', '.lambda.fa.faidx.index.json']));

    // Content the check would refuse, under the mtime the index was built from: no job reads it.
    const seconds = (await fs.stat(path.join(dbDir, 'lambda.fa'))).mtimeMs / 1000; // a Date would round the milliseconds
    await fs.copyFile(path.join(FIXTURES, 'hbb_human.fa'), path.join(dbDir, 'lambda.fa'));
    await fs.utimes(path.join(dbDir, 'lambda.fa'), seconds, seconds);
    const second = await prepare('lambda');
    expect(second.indexes).toEqual([{ input: 'reference', kind: 'faidx', variant: null, sha256: '', reused: true, build_seconds: null }]);
  });
});
