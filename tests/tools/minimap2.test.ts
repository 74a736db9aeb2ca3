// minimap2 through the MCP server on the lambda fixtures, against the same commands typed by
// hand with the FASTA reference (so the cached .mmi index is checked to give what the FASTA
// gives, for each preset tested): the same alignment records and the same header apart from the
// @PG command lines (ours name the cached index, -t and samtools sort's temporary folder). The
// summary against samtools' own flagstat and coverage of the hand-made BAM; progress from
// minimap2's real stderr; one index per preset, built once.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignmentSummaryFromReports } from '../support/alignment-reports.js';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { bamHeaderWithoutPg, bamProgramsWithoutCommands, bamRecords } from '../support/compare-outputs.js';
import { callError, callOk, FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { expectNoWorkLeft, outputPath, runTool, runToolToFailure, type ToolResult } from '../support/tool-jobs.js';
import type { RunContext } from '../../tools/define-tool.js';
import { minimap2 } from '../../tools/minimap2.js';

const reference = path.join(FIXTURES, 'lambda_virus.fa');
const reads1 = path.join(FIXTURES, 'lambda_reads_1.fq.gz');
const reads2 = path.join(FIXTURES, 'lambda_reads_2.fq.gz');
const longReads = path.join(FIXTURES, 'lambda_longreads.fq.gz');
/** sha256 of lambda_virus.fa (fixtures/SHA256SUMS): the cache folder of its indexes. */
const LAMBDA_SHA256 = '0a04f81952deb68c204e8ae67e0573cb97d348f18ab1b527630d57c294028cf5';
const CONTIG = 'gi|9626243|ref|NC_001416.1|';

let h: Harness;
let hand: ByHand;

const cacheDir = () => path.join(h.config.dbDir, 'indexes', LAMBDA_SHA256);

beforeAll(async () => {
  h = await startHarness();
  hand = await runByHand(
    { 'inputs/lambda_virus.fa': reference, 'inputs/lambda_reads_1.fq.gz': reads1, 'inputs/lambda_reads_2.fq.gz': reads2, 'inputs/lambda_longreads.fq.gz': longReads },
    [
      'minimap2 -a -x sr inputs/lambda_virus.fa inputs/lambda_reads_1.fq.gz inputs/lambda_reads_2.fq.gz 2> sr.stderr | samtools sort -o sr.bam -',
      'samtools flagstat -O json sr.bam > sr.flagstat.json',
      'samtools coverage sr.bam > sr.coverage.tsv',
      'minimap2 -a -x map-ont inputs/lambda_virus.fa inputs/lambda_longreads.fq.gz | samtools sort -o ont.bam -',
      'samtools flagstat -O json ont.bam > ont.flagstat.json',
      'minimap2 -a inputs/lambda_virus.fa inputs/lambda_longreads.fq.gz | samtools sort -o plain.bam -',
    ].join('\n'),
  );
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

describe('minimap2_async', () => {
  let sr: ToolResult;

  it('aligns the lambda pairs with -x sr to the records minimap2 | samtools sort gives by hand', async () => {
    sr = await runTool(h, 'minimap2', { reference, reads: reads1, reads_2: reads2, preset: 'sr' });
    expect(sr.steps).toEqual([
      {
        label: 'aligning',
        pipeline: [
          ['minimap2', '-a', '-x', 'sr', '-t', '1', path.join(cacheDir(), 'reference.fa.sr.mmi'), 'inputs/lambda_reads_1.fq.gz', 'inputs/lambda_reads_2.fq.gz'],
          ['samtools', 'sort', '-@', '1', '-T', 'tmp/sort', '-o', 'aligned.bam', '-'],
        ],
        stdout: null,
      },
      { label: 'indexing', pipeline: [['samtools', 'index', 'aligned.bam']], stdout: null },
      { label: 'counting', pipeline: [['samtools', 'flagstat', '-O', 'json', 'aligned.bam']], stdout: 'flagstat.json' },
      { label: 'measuring coverage', pipeline: [['samtools', 'coverage', 'aligned.bam']], stdout: 'coverage.tsv' },
    ]);
    expect(sr.command).toEqual(sr.steps[0]!.pipeline[0]);
    expect(sr.tool_version).toMatch(/^minimap2 2\.\d+-r\d+, samtools 1\.\d+/);
    expect(sr.files.map((f) => f.name)).toEqual(['aligned.bam', 'aligned.bam.bai', 'flagstat.json', 'coverage.tsv']);

    const ours = outputPath(sr, 'aligned.bam');
    const theirs = path.join(hand.dir, 'sr.bam');
    expect(await bamRecords(ours)).toBe(await bamRecords(theirs));
    expect((await bamRecords(ours)).split('\n')).toHaveLength(4005);
    expect(await bamHeaderWithoutPg(ours)).toBe(await bamHeaderWithoutPg(theirs));
    expect(await bamProgramsWithoutCommands(ours)).toEqual(await bamProgramsWithoutCommands(theirs));
    // The index is a real one for this BAM: 3,600 mapped, 339 unmapped mates placed beside theirs.
    const { stdout } = await execa('samtools', ['idxstats', ours]);
    expect(stdout.split('\n')[0]).toBe(`${CONTIG}\t48502\t3600\t339`);
  });

  it('summarises with the numbers of samtools flagstat and coverage on the BAM made by hand', async () => {
    expect(sr.summary).toEqual(alignmentSummaryFromReports(String(await hand.file('sr.flagstat.json')), String(await hand.file('sr.coverage.tsv')), CONTIG, 48502));
    // What the fixtures' notes promise for these reads.
    expect(sr.summary).toMatchObject({ records: 4005, mapped: 3600 });
  });

  it("follows minimap2's own stderr: its per-batch counts add up to the records of reads and reads_2", async () => {
    const ctx: RunContext = { input: (p) => `inputs/${p}`, inputs: () => [], has: () => true, index: () => 'ref.mmi', threads: 1 };
    const [aligning] = minimap2.steps(minimap2.input.parse({ reference, reads: reads1, reads_2: reads2, preset: 'sr' }), ctx);
    expect(aligning!.progress).toMatchObject({ from: 'stderr', of: { inputs: ['reads', 'reads_2'], count: 'records' }, unit: 'reads' });
    const stderr = String(await hand.file('sr.stderr'));
    expect(stderr).toMatch(/^\[M::worker_pipeline::[\d.*]+\] mapped 4000 sequences$/m);
    const tracker = aligning!.progress!.tracker(() => []);
    // In awkward pieces, as a pipe may deliver it.
    for (let i = 0; i < stderr.length; i += 7) tracker.feed(stderr.slice(i, i + 7));
    expect(tracker.done()).toBe(4000);
  });

  it('aligns long reads with -x map-ont, building a second index for that preset and reusing each after', async () => {
    const ont = await runTool(h, 'minimap2', { reference, reads: longReads, preset: 'map-ont' });
    expect(ont.command).toEqual(['minimap2', '-a', '-x', 'map-ont', '-t', '1', path.join(cacheDir(), 'reference.fa.map-ont.mmi'), 'inputs/lambda_longreads.fq.gz']);
    expect(await bamRecords(outputPath(ont, 'aligned.bam'))).toBe(await bamRecords(path.join(hand.dir, 'ont.bam')));
    const flagstat = JSON.parse(String(await hand.file('ont.flagstat.json')))['QC-passed reads'];
    expect(ont.summary).toMatchObject({ records: flagstat.total, mapped: flagstat.mapped, paired_in_sequencing: 0, properly_paired_percent: null });
    expect(ont.summary).toMatchObject({ records: 517, mapped: 473 });

    expect(sr.indexes).toEqual([{ input: 'reference', kind: 'minimap2', variant: 'sr', sha256: LAMBDA_SHA256, reused: false, build_seconds: expect.any(Number) }]);
    expect(ont.indexes).toEqual([{ input: 'reference', kind: 'minimap2', variant: 'map-ont', sha256: LAMBDA_SHA256, reused: false, build_seconds: expect.any(Number) }]);
    const again = await runTool(h, 'minimap2', { reference, reads: reads1, preset: 'sr' });
    expect(again.indexes).toEqual([{ input: 'reference', kind: 'minimap2', variant: 'sr', sha256: LAMBDA_SHA256, reused: true, build_seconds: null }]);
    expect(again.summary).toMatchObject({ primary_reads: 2000, paired_in_sequencing: 0 });

    expect((await fs.readdir(cacheDir())).sort()).toEqual([
      'minimap2.map-ont.index.json',
      'minimap2.sr.index.json',
      'reference.fa',
      'reference.fa.map-ont.mmi',
      'reference.fa.sr.mmi',
    ]);
    // The cached index is the one `minimap2 -x sr -d` makes by hand.
    await execa('minimap2', ['-x', 'sr', '-d', path.join(hand.dir, 'sr.mmi'), path.join(hand.dir, 'inputs', 'lambda_virus.fa')], { stdin: 'ignore' });
    expect(await fs.readFile(path.join(cacheDir(), 'reference.fa.sr.mmi'))).toEqual(await hand.file('sr.mmi'));
    const listed = await callOk<{ indexes: Record<string, unknown>[] }>(h.client, 'list_databases');
    const sizeOf = async (file: string) => (await fs.stat(path.join(cacheDir(), file))).size;
    expect(listed.indexes).toEqual(
      expect.arrayContaining([
        { kind: 'minimap2', variant: 'sr', source_name: 'lambda_virus.fa', sha256: LAMBDA_SHA256, size_bytes: await sizeOf('reference.fa.sr.mmi'), built_at: expect.any(String) },
        { kind: 'minimap2', variant: 'map-ont', source_name: 'lambda_virus.fa', sha256: LAMBDA_SHA256, size_bytes: await sizeOf('reference.fa.map-ont.mmi'), built_at: expect.any(String) },
      ]),
    );
    expect(listed.indexes).toHaveLength(2);
  });

  it("runs with minimap2's own defaults when preset is left out: no -x, an index of variant \"default\"", async () => {
    const plain = await runTool(h, 'minimap2', { reference, reads: longReads });
    expect(plain.command).toEqual(['minimap2', '-a', '-t', '1', path.join(cacheDir(), 'reference.fa.default.mmi'), 'inputs/lambda_longreads.fq.gz']);
    expect(plain.indexes).toEqual([{ input: 'reference', kind: 'minimap2', variant: 'default', sha256: LAMBDA_SHA256, reused: false, build_seconds: expect.any(Number) }]);
    expect(await bamRecords(outputPath(plain, 'aligned.bam'))).toBe(await bamRecords(path.join(hand.dir, 'plain.bam')));
  });

  it('gives the same records with two threads as with one', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2' } });
    try {
      const result = await runTool(two, 'minimap2', { reference, reads: reads1, reads_2: reads2, preset: 'sr' });
      expect(result.steps[0]!.pipeline).toEqual([
        ['minimap2', '-a', '-x', 'sr', '-t', '2', path.join(two.config.dbDir, 'indexes', LAMBDA_SHA256, 'reference.fa.sr.mmi'), 'inputs/lambda_reads_1.fq.gz', 'inputs/lambda_reads_2.fq.gz'],
        ['samtools', 'sort', '-@', '2', '-T', 'tmp/sort', '-o', 'aligned.bam', '-'],
      ]);
      expect(await bamRecords(outputPath(result, 'aligned.bam'))).toBe(await bamRecords(outputPath(sr, 'aligned.bam')));
    } finally {
      await two.close();
    }
  });

  it('writes the read group into the header and onto every record', async () => {
    const result = await runTool(h, 'minimap2', { reference, reads: longReads, preset: 'map-ont', read_group: '@RG\tID:ont1\tSM:phage' });
    expect(result.command).toContain('@RG\\tID:ont1\\tSM:phage');
    expect(await bamHeaderWithoutPg(outputPath(result, 'aligned.bam'))).toContain('@RG\tID:ont1\tSM:phage');
    const records = (await bamRecords(outputPath(result, 'aligned.bam'))).split('\n');
    expect(records).toHaveLength(517);
    expect(records.every((r) => /\tRG:Z:ont1(\t|$)/.test(r))).toBe(true);
  });
});

describe('minimap2_async on bad input', () => {
  it('refuses a read file cut short before minimap2 runs (minimap2 would skip the record and exit 0), once, naming the field', async () => {
    const failed = await runToolToFailure(h, 'minimap2', { reference, reads: path.join(FIXTURES, 'bad', 'truncated.fq'), preset: 'sr' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'reads',
      message: 'reads: record 2 (r2) at line 5 is cut short: the file ends after its sequence line, without the "+" line and quality',
    });
    await expectNoWorkLeft(h);
  });

  it('refuses a FASTQ whose quality and sequence lengths differ', async () => {
    const failed = await runToolToFailure(h, 'minimap2', { reference, reads: reads1, reads_2: path.join(FIXTURES, 'bad', 'qual_mismatch.fq'), preset: 'sr' });
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'reads_2', message: expect.stringMatching(/^reads_2: record 1 \(r1\), line 4: the quality has \d+ characters but the sequence has \d+/) });
  });

  it('refuses a protein reference, reads as reference, and text that is not sequence', async () => {
    const protein = await runToolToFailure(h, 'minimap2', { reference: path.join(FIXTURES, 'globins45.fa'), reads: longReads });
    expect(protein.error).toMatchObject({ field: 'reference', message: expect.stringMatching(/^reference: record 1 \(MYG_ESCGI\) looks like protein, not nucleotide/) });
    const fastq = await runToolToFailure(h, 'minimap2', { reference: longReads, reads: longReads });
    expect(fastq.error.message).toBe('reference: is FASTQ, but this needs FASTA');
    const text = await runToolToFailure(h, 'minimap2', { reference, reads: path.join(FIXTURES, 'bad', 'not_fasta.txt') });
    expect(text.error).toMatchObject({ code: 'input_invalid', field: 'reads', message: 'reads: not FASTQ: line 1 should be a header starting with "@" but reads "this is not a FASTA file"' });
    await expectNoWorkLeft(h);
  });

  it('refuses an empty reference at submit (minimap2 would leave every read unmapped and exit 0)', async () => {
    const text = await callError(h.client, 'minimap2_async', { reference: path.join(FIXTURES, 'bad', 'empty.fa'), reads: longReads });
    expect(text).toBe(`input_invalid: reference: "${path.join(FIXTURES, 'bad', 'empty.fa')}" is an empty file`);
  });

  it('refuses reads_2 when it does not hold as many reads as reads, before minimap2 runs (it would skip the extras, warn and exit 0)', async () => {
    const failed = await runToolToFailure(h, 'minimap2', { reference, reads: reads1, reads_2: path.join(FIXTURES, 'illumina16s_R2.fq.gz'), preset: 'sr' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'reads_2',
      message: 'reads_2: holds 500 reads but reads holds 2000: the two files must hold the two mates of each pair, one for one and in the same order',
    });
    expect(failed.error.command).toBeUndefined();
    await expectNoWorkLeft(h);
  });

  it('refuses a preset minimap2 does not have, listing those it may be', async () => {
    const text = await callError(h.client, 'minimap2_async', { reference, reads: longReads, preset: 'nanopore' });
    expect(text).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool minimap2_async: must be one of "map-ont", "map-pb", "map-hifi", "sr", "asm5", "asm20", "splice" at preset',
    );
  });
});
