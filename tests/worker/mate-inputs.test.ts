// Paired reads declared with mateOf are counted against each other once staged: files of
// different lengths are refused before the tool runs, naming the second file (fastp would warn,
// pair what it could and exit 0, or hang). Real fixture files, real staging and checks, the test
// run's real Redis for the build locks (unused here: the tool has no indexes).
import fs from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { InputRef } from '../../src/inputs/input-ref.js';
import { LocalResultStore } from '../../src/storage/local-result-store.js';
import { z } from 'zod';
import { defineTool } from '../../tools/define-tool.js';
import { redisBuildLocks } from '../../worker/build-lock.js';
import { prepareJobInputs, type JobInputsDeps } from '../../worker/job-inputs.js';
import { inputInvalid } from '../inputs/expect-error.js';
import { FIXTURES, makeTempDir } from '../inputs/temp-dir.js';

// A paired-reads tool as the catalog would declare it; its command never runs here.
const pairedTool = defineTool({
  name: 'paired_example',
  title: 'paired example',
  description: 'A paired-reads tool for this test.',
  queue: 'qc',
  binaries: [],
  annotations: {},
  input: z.object({ reads_1: z.string(), reads_2: z.string().optional() }),
  inputs: [
    { param: 'reads_1', formats: ['fastq'], readsGzip: true },
    { param: 'reads_2', formats: ['fastq'], readsGzip: true, optional: true, mateOf: 'reads_1' },
  ],
  steps: () => [],
  outputs: () => [],
  summarize: async () => ({}),
  limits: { maxOutputBytes: 1 },
});

const fixture = (name: string): InputRef => ({ kind: 'path', path: path.join(FIXTURES, name) });

describe('prepareJobInputs with mates', () => {
  let tmp: string;
  let redis: Redis;
  let deps: JobInputsDeps;
  let n = 0;
  const prepare = async (refs: Record<string, InputRef>) => {
    const work = path.join(tmp, `work-${++n}`);
    await fs.mkdir(work);
    return prepareJobInputs(pairedTool, refs, {}, work, deps);
  };

  beforeAll(async () => {
    tmp = await makeTempDir('mates');
    redis = new Redis(inject('redisUrl'), { lazyConnect: true, maxRetriesPerRequest: 1 });
    const log = createLogger('silent');
    const dataDir = path.join(tmp, 'data');
    deps = {
      config: { inputRoots: [FIXTURES], inputMaxBytes: 1_000_000, urlMaxBytes: 1_000_000, allowPrivateUrls: false, dbDir: path.join(tmp, 'db') },
      store: new LocalResultStore({ dataDir, resultsDir: path.join(dataDir, 'results'), uploadMaxBytes: 1_000_000 }),
      index: { locks: redisBuildLocks(redis, `mates-${process.pid}`, log), log, threads: 1, softTimeoutMs: 60_000, hardTimeoutMs: 70_000 },
      onStatus: async () => undefined,
      threads: 1,
    };
  });

  afterAll(async () => {
    redis?.disconnect();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('takes mates that hold as many reads', async () => {
    const ready = await prepare({ reads_1: fixture('lambda_reads_1.fq.gz'), reads_2: fixture('lambda_reads_2.fq.gz') });
    expect(ready.facts).toEqual({ reads_1: { format: 'fastq', records: 2000, residues: 214798 }, reads_2: { format: 'fastq', records: 2000, residues: 218363 } });
  });

  it('refuses a second file with fewer reads, naming it and both counts', async () => {
    await expect(prepare({ reads_1: fixture('lambda_reads_1.fq.gz'), reads_2: fixture('illumina16s_R2.fq.gz') })).rejects.toMatchObject({
      ...inputInvalid('reads_2: holds 500 reads but reads_1 holds 2000: the two files must hold the two mates of each pair, one for one and in the same order'),
      details: { field: 'reads_2' },
    });
  });

  it('refuses a second file with more reads the same way', async () => {
    await expect(prepare({ reads_1: fixture('illumina16s_R1.fq.gz'), reads_2: fixture('lambda_reads_2.fq.gz') })).rejects.toMatchObject(
      inputInvalid('reads_2: holds 2000 reads but reads_1 holds 500: the two files must hold the two mates of each pair, one for one and in the same order'),
    );
  });

  it('has nothing to compare when the second file is left out', async () => {
    const ready = await prepare({ reads_1: fixture('illumina16s_R1.fq.gz') });
    expect(ready.facts).toEqual({ reads_1: { format: 'fastq', records: 500, residues: 113504 } });
  });
});
