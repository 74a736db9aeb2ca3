// bwa_mem through the MCP server on the lambda fixture pairs, against the same commands typed by
// hand: the same alignment records and header (the @PG lines differ only in their command
// lines: our index lives in the cache, and samtools sort is told where to keep its temporary
// files), the summary against samtools' own flagstat, the reference index built once.
import fs from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignmentSummaryFromReports } from '../support/alignment-reports.js';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { bamHeaderWithoutPg, bamProgramsWithoutCommands, bamRecords } from '../support/compare-outputs.js';
import { callError, callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';
import { expectNoWorkLeft, runToolToFailure } from '../support/tool-jobs.js';

interface Result {
  status: string;
  summary: Record<string, unknown>;
  files: { name: string; url: string; size_bytes: number }[];
  command: string[];
  steps: { label: string; pipeline: string[][]; stdout: string | null }[];
  indexes: { input: string; kind: string; sha256: string; reused: boolean; build_seconds: number | null }[];
  tool_version: string;
}

const reference = path.join(FIXTURES, 'lambda_virus.fa');
const reads1 = path.join(FIXTURES, 'lambda_reads_1.fq.gz');
const reads2 = path.join(FIXTURES, 'lambda_reads_2.fq.gz');
/** sha256 of lambda_virus.fa (fixtures/SHA256SUMS): the cache folder of its indexes. */
const LAMBDA_SHA256 = '0a04f81952deb68c204e8ae67e0573cb97d348f18ab1b527630d57c294028cf5';

let h: Harness;
let hand: ByHand;

async function run(args: Record<string, unknown>, harness = h): Promise<Result> {
  const { job_id } = await callOk<{ job_id: string }>(harness.client, 'bwa_mem_async', args);
  const done = await waitDone(harness.client, job_id);
  expect(done.status, JSON.stringify(done.error)).toBe('completed');
  return callOk<Result>(harness.client, 'get_job_result', { job_id });
}

const fileOf = (result: Result, name: string) => fileURLToPath(result.files.find((f) => f.name === name)!.url);

beforeAll(async () => {
  h = await startHarness();
  hand = await runByHand(
    { 'inputs/lambda_virus.fa': reference, 'inputs/lambda_reads_1.fq.gz': reads1, 'inputs/lambda_reads_2.fq.gz': reads2 },
    [
      'bwa index inputs/lambda_virus.fa',
      'bwa mem -K 10000000 -t 1 inputs/lambda_virus.fa inputs/lambda_reads_1.fq.gz inputs/lambda_reads_2.fq.gz | samtools sort -o aligned.bam -',
      'samtools index aligned.bam',
      'samtools flagstat -O json aligned.bam > flagstat.json',
    ].join('\n'),
  );
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

describe('bwa_mem_async', () => {
  let first: Result;

  it('aligns the lambda pairs to the records bwa mem | samtools sort gives by hand', async () => {
    first = await run({ reference, reads_1: reads1, reads_2: reads2 });
    const index = path.join(h.config.dbDir, 'indexes', LAMBDA_SHA256, 'reference.fa');
    expect(first.steps).toEqual([
      {
        label: 'aligning',
        pipeline: [
          ['bwa', 'mem', '-K', '10000000', '-t', '1', index, 'inputs/lambda_reads_1.fq.gz', 'inputs/lambda_reads_2.fq.gz'],
          ['samtools', 'sort', '-@', '1', '-T', 'tmp/sort', '-o', 'aligned.bam', '-'],
        ],
        stdout: null,
      },
      { label: 'indexing', pipeline: [['samtools', 'index', 'aligned.bam']], stdout: null },
      { label: 'counting', pipeline: [['samtools', 'flagstat', '-O', 'json', 'aligned.bam']], stdout: 'flagstat.json' },
      { label: 'measuring coverage', pipeline: [['samtools', 'coverage', 'aligned.bam']], stdout: 'coverage.tsv' },
    ]);
    expect(first.command).toEqual(first.steps[0]!.pipeline[0]);
    expect(first.tool_version).toMatch(/^bwa 0\.7\.\d+-r\d+, samtools 1\.\d+/);
    expect(first.files.map((f) => f.name)).toEqual(['aligned.bam', 'aligned.bam.bai', 'flagstat.json', 'coverage.tsv']);

    const ours = fileOf(first, 'aligned.bam');
    const theirs = path.join(hand.dir, 'aligned.bam');
    expect(await bamRecords(ours)).toBe(await bamRecords(theirs));
    expect((await bamRecords(ours)).split('\n')).toHaveLength(4008);
    expect(await bamHeaderWithoutPg(ours)).toBe(await bamHeaderWithoutPg(theirs));
    // The @PG lines name the same programs and versions; only the command lines differ.
    expect(await bamProgramsWithoutCommands(ours)).toEqual(await bamProgramsWithoutCommands(theirs));
    // The index is a real one for this BAM.
    const { stdout } = await execa('samtools', ['idxstats', ours]);
    expect(stdout.split('\n')[0]).toBe('gi|9626243|ref|NC_001416.1|\t48502\t3919\t89');
  });

  it('summarises with the numbers of samtools flagstat and coverage on the same BAM', async () => {
    const { stdout: coverage } = await execa('samtools', ['coverage', path.join(hand.dir, 'aligned.bam')]);
    expect(first.summary).toEqual(alignmentSummaryFromReports(String(await hand.file('flagstat.json')), coverage, 'gi|9626243|ref|NC_001416.1|', 48502));
    // What the fixtures' README promises for these reads.
    expect(first.summary).toMatchObject({ records: 4008, mapped: 3919, properly_paired: 3800, supplementary: 8 });
  });

  it('builds the reference index once: the first job built it, the second reuses it', async () => {
    expect(first.indexes).toEqual([{ input: 'reference', kind: 'bwa', variant: null, sha256: LAMBDA_SHA256, reused: false, build_seconds: expect.any(Number) }]);
    const second = await run({ reference, reads_1: reads1 });
    expect(second.indexes).toEqual([{ input: 'reference', kind: 'bwa', variant: null, sha256: LAMBDA_SHA256, reused: true, build_seconds: null }]);
    const cache = await fs.readdir(path.join(h.config.dbDir, 'indexes', LAMBDA_SHA256));
    expect(cache.sort()).toEqual(['bwa.index.json', 'reference.fa', 'reference.fa.amb', 'reference.fa.ann', 'reference.fa.bwt', 'reference.fa.pac', 'reference.fa.sa']);
    const listed = await callOk<{ indexes: Record<string, unknown>[] }>(h.client, 'list_databases');
    let size = 0;
    for (const ext of ['amb', 'ann', 'bwt', 'pac', 'sa']) size += (await fs.stat(path.join(h.config.dbDir, 'indexes', LAMBDA_SHA256, `reference.fa.${ext}`))).size;
    expect(listed.indexes).toEqual([{ kind: 'bwa', variant: null, source_name: 'lambda_virus.fa', sha256: LAMBDA_SHA256, size_bytes: size, built_at: expect.any(String) }]);
    // Single-end: every read of reads_1, none paired.
    expect(second.summary).toMatchObject({ primary_reads: 2000, paired_in_sequencing: 0, properly_paired_percent: null });
  });

  it('gives the same records with two threads as with one', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2' } });
    try {
      const result = await run({ reference, reads_1: reads1, reads_2: reads2 }, two);
      expect(result.command).toContain('2');
      expect(await bamRecords(fileOf(result, 'aligned.bam'))).toBe(await bamRecords(fileOf(first, 'aligned.bam')));
    } finally {
      await two.close();
    }
  });

  it('writes the read group into the header and onto every record', async () => {
    const result = await run({ reference, reads_1: reads1, reads_2: reads2, read_group: '@RG\\tID:lambda1\\tSM:phage' });
    expect(result.command).toContain('@RG\\tID:lambda1\\tSM:phage');
    const header = await bamHeaderWithoutPg(fileOf(result, 'aligned.bam'));
    expect(header).toContain('@RG\tID:lambda1\tSM:phage');
    const records = (await bamRecords(fileOf(result, 'aligned.bam'))).split('\n');
    expect(records.every((r) => r.endsWith('\tRG:Z:lambda1') || r.includes('\tRG:Z:lambda1\t'))).toBe(true);
  });
});

describe('bwa_mem_async on bad input', () => {
  it('refuses a read file cut short before bwa runs (bwa would align it as FASTA), once, naming the field', async () => {
    const failed = await runToolToFailure(h, 'bwa_mem', { reference, reads_1: path.join(FIXTURES, 'bad', 'truncated.fq') });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'reads_1',
      message: 'reads_1: record 2 (r2) at line 5 is cut short: the file ends after its sequence line, without the "+" line and quality',
    });
    await expectNoWorkLeft(h);
  });

  it('refuses a FASTQ whose quality and sequence lengths differ (bwa would print nothing and exit 0)', async () => {
    const failed = await runToolToFailure(h, 'bwa_mem', { reference, reads_1: reads1, reads_2: path.join(FIXTURES, 'bad', 'qual_mismatch.fq') });
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'reads_2', message: expect.stringMatching(/^reads_2: record 1 \(r1\), line 4: the quality has \d+ characters but the sequence has \d+/) });
  });

  it('refuses a protein reference and reads as reference', async () => {
    const protein = await runToolToFailure(h, 'bwa_mem', { reference: path.join(FIXTURES, 'globins45.fa'), reads_1: reads1 });
    expect(protein.error.message).toMatch(/^reference: record 1 \(MYG_ESCGI\) looks like protein, not nucleotide/);
    const fastq = await runToolToFailure(h, 'bwa_mem', { reference: reads1, reads_1: reads1 });
    expect(fastq.error.message).toBe('reference: is FASTQ, but this needs FASTA');
  });

  it('refuses an empty read file at submit', async () => {
    const text = await callError(h.client, 'bwa_mem_async', { reference, reads_1: path.join(FIXTURES, 'bad', 'empty.fa') });
    expect(text).toBe(`input_invalid: reads_1: "${path.join(FIXTURES, 'bad', 'empty.fa')}" is an empty file`);
  });

  it('refuses reads_2 when it does not hold as many reads as reads_1, before bwa runs', async () => {
    const failed = await runToolToFailure(h, 'bwa_mem', { reference, reads_1: reads1, reads_2: path.join(FIXTURES, 'illumina16s_R2.fq.gz') });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'reads_2',
      message: 'reads_2: holds 500 reads but reads_1 holds 2000: the two files must hold the two mates of each pair, one for one and in the same order',
    });
    expect(failed.error.command).toBeUndefined();
  });

  it("blames reads_2 when as many reads are not reads_1's mates, with bwa's own message", async () => {
    // The first 500 lambda reads against the 500 Illumina mates: the counts agree, the names do not.
    const first500 = path.join(h.inputsDir, 'lambda_first500.fq.gz');
    const lines = gunzipSync(await fs.readFile(reads1)).toString().split('\n').slice(0, 2000);
    await fs.writeFile(first500, gzipSync(`${lines.join('\n')}\n`));
    const failed = await runToolToFailure(h, 'bwa_mem', { reference, reads_1: first500, reads_2: path.join(FIXTURES, 'illumina16s_R2.fq.gz') });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'reads_2',
      message: 'reads_2: its reads are not the mates of reads_1 (names differ at the same position) (bwa: [mem_sam_pe] paired reads have different names: "r1", "HWI-D00523:240:HF3WGBCXX:1:1101:2574:2226")',
    });
    await expectNoWorkLeft(h);
  });

  it('refuses a read group that is not one', async () => {
    const text = await callError(h.client, 'bwa_mem_async', { reference, reads_1: reads1, read_group: 'ID:x SM:y' });
    // The SDK checks the schema first: its message gives ours and names the field.
    expect(text).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool bwa_mem_async: must be a SAM read group line such as "@RG\\tID:sample1\\tSM:sample1" (fields separated by \\t, with an ID) at read_group',
    );
  });
});

describe('bwa_mem_async racing on a new reference', () => {
  it('builds the index once when two jobs on it run at the same time; the other waits and reuses it', async () => {
    const racing = await startHarness({ env: { BIO_QUEUE_WORKER_CONCURRENCY: '2' } });
    try {
      const [a, b] = await Promise.all([run({ reference, reads_1: reads1 }, racing), run({ reference, reads_1: reads2 }, racing)]);
      expect([a.indexes[0]!.reused, b.indexes[0]!.reused].sort()).toEqual([false, true]);
      expect(await fs.readdir(path.join(racing.config.dbDir, 'indexes'))).toEqual([LAMBDA_SHA256]);
      // Both aligned against the one index: every read of each file is in its BAM.
      expect([a.summary.primary_reads, b.summary.primary_reads]).toEqual([2000, 2000]);
      await expectNoWorkLeft(racing);
    } finally {
      await racing.close();
    }
  });
});

