// samtools_view through the MCP server on BAMs of the lambda pairs (made by hand with minimap2,
// and one from a bwa_mem_async job given as job://<id>/aligned.bam), against `samtools index`
// and `samtools view -b` typed by hand: the same records and the same header apart from the @PG
// command lines (ours add -@ and the job's paths). The summary against samtools' own flagstat
// and header of the BAM made by hand. A region is queried through an index built in the work
// dir, never beside the caller's file; what cannot be indexed, and a region samtools cannot
// find, fail with samtools' own words.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAlignmentFiles, type AlignmentFiles } from '../support/alignment-files.js';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { bamHeaderWithoutPg, bamProgramsWithoutCommands, bamRecords } from '../support/compare-outputs.js';
import { callError, FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { expectNoWorkLeft, outputPath, runTool, runToolToFailure, type ToolResult } from '../support/tool-jobs.js';
import { FLAGS_RULE, REGION_RULE } from '../../tools/samtools-view-options.js';

const CONTIG = 'gi|9626243|ref|NC_001416.1|';
const REGION = `${CONTIG}:10,000-20,000`;
const REFERENCE = { sort_order: 'coordinate', contigs: 1, length: 48502, sequences: [{ name: CONTIG, length: 48502 }] };

let h: Harness;
let files: AlignmentFiles;
let hand: ByHand;

const recordsOf = async (bam: string) => (await bamRecords(bam)).split('\n').filter((l) => l !== '');
const schemaError = (field: string, message: string) => `MCP error -32602: Input validation error: Invalid arguments for tool samtools_view_async: ${message} at ${field}`;

beforeAll(async () => {
  h = await startHarness();
  files = await makeAlignmentFiles(path.join(h.inputsDir, 'alignments'));
  hand = await runByHand(
    { 'inputs/lambda.sorted.bam': files.sortedBam, 'inputs/lambda.unsorted.bam': files.unsortedBam },
    [
      'samtools index inputs/lambda.sorted.bam',
      `samtools view -b -o region.bam -q 20 -F UNMAP inputs/lambda.sorted.bam '${REGION}'`,
      'samtools flagstat -O json region.bam > region.flagstat.json',
      'samtools view -b -o proper.bam -f 2 -F 256 inputs/lambda.unsorted.bam',
      `samtools view -b -o braced.bam inputs/lambda.sorted.bam '{${CONTIG}}:1000-2000'`,
      "samtools view -b -o unplaced.bam inputs/lambda.sorted.bam '*'",
    ].join('\n'),
  );
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

describe('samtools_view_async', () => {
  let region: ToolResult;

  it('keeps the records of a region, a mapping quality and a flag filter that samtools view keeps by hand', async () => {
    region = await runTool(h, 'samtools_view', { alignments: files.sortedBam, region: REGION, min_mapq: 20, exclude_flags: 'UNMAP' });
    expect(region.steps).toEqual([
      { label: 'indexing the input', pipeline: [['samtools', 'index', 'inputs/lambda.sorted.bam']], stdout: null },
      { label: 'filtering', pipeline: [['samtools', 'view', '-b', '-@', '1', '-o', 'filtered.bam', '-q', '20', '-F', 'UNMAP', 'inputs/lambda.sorted.bam', REGION]], stdout: null },
      { label: 'counting', pipeline: [['samtools', 'flagstat', '-O', 'json', 'filtered.bam']], stdout: 'flagstat.json' },
      { label: 'reading the header', pipeline: [['samtools', 'view', '-H', '--no-PG', 'filtered.bam']], stdout: 'header.sam' },
    ]);
    expect(region.files.map((f) => f.name)).toEqual(['filtered.bam', 'flagstat.json', 'header.sam']);
    // The run is named by its samtools view, not by the index it needed first.
    expect(region.command).toEqual(region.steps[1]!.pipeline[0]);

    const ours = outputPath(region, 'filtered.bam');
    const theirs = path.join(hand.dir, 'region.bam');
    expect(await bamRecords(ours)).toBe(await bamRecords(theirs));
    expect(await bamHeaderWithoutPg(ours)).toBe(await bamHeaderWithoutPg(theirs));
    expect(await bamProgramsWithoutCommands(ours)).toEqual(await bamProgramsWithoutCommands(theirs));
    const kept = await recordsOf(ours);
    expect(kept.length).toBeGreaterThan(500);
    expect(kept.every((r) => Number(r.split('\t')[4]) >= 20)).toBe(true);
    // The index was made in the work dir, beside the link to the caller's file: nothing was written beside the file itself.
    expect((await fs.readdir(path.dirname(files.sortedBam))).filter((f) => f.endsWith('.bai'))).toEqual([]);
  });

  it("summarises with the count of samtools flagstat and the reference of the header, on the BAM made by hand", async () => {
    const flagstat = JSON.parse(String(await hand.file('region.flagstat.json')))['QC-passed reads'];
    expect(region.summary).toEqual({
      records: flagstat.total,
      mapped: flagstat.mapped,
      filters: { region: REGION, min_mapq: 20, include_flags: null, exclude_flags: 'UNMAP' },
      reference: REFERENCE,
    });
    expect(flagstat.total).toBe((await recordsOf(path.join(hand.dir, 'region.bam'))).length);
    const { stdout } = await execa('samtools', ['view', '-H', path.join(hand.dir, 'region.bam')]);
    expect(stdout).toMatch(new RegExp(`^@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:${CONTIG.replace(/\|/g, '\\|')}\tLN:48502\n`));
  });

  it('filters a whole unsorted BAM by flag numbers without indexing it', async () => {
    const proper = await runTool(h, 'samtools_view', { alignments: files.unsortedBam, include_flags: 2, exclude_flags: 256 });
    expect(proper.steps.map((s) => s.label)).toEqual(['filtering', 'counting', 'reading the header']);
    expect(proper.command).toEqual(['samtools', 'view', '-b', '-@', '1', '-o', 'filtered.bam', '-f', '2', '-F', '256', 'inputs/lambda.unsorted.bam']);
    expect(await bamRecords(outputPath(proper, 'filtered.bam'))).toBe(await bamRecords(path.join(hand.dir, 'proper.bam')));
    expect(proper.summary).toMatchObject({ records: 3224, mapped: 3224, reference: { ...REFERENCE, sort_order: null } });
    // minimap2 writes no @HD line, so the header does not say how the records are ordered.
    expect(await bamHeaderWithoutPg(files.unsortedBam)).not.toMatch(/^@HD/m);
  });

  it('takes a contig name in braces, and "*" for the unmapped reads placed nowhere', async () => {
    const braced = await runTool(h, 'samtools_view', { alignments: files.sortedBam, region: `{${CONTIG}}:1000-2000` });
    expect(await bamRecords(outputPath(braced, 'filtered.bam'))).toBe(await bamRecords(path.join(hand.dir, 'braced.bam')));
    expect(braced.summary).toMatchObject({ records: (await recordsOf(path.join(hand.dir, 'braced.bam'))).length });
    const unplaced = await runTool(h, 'samtools_view', { alignments: files.sortedBam, region: '*' });
    expect(await bamRecords(outputPath(unplaced, 'filtered.bam'))).toBe(await bamRecords(path.join(hand.dir, 'unplaced.bam')));
    // Pairs where neither mate mapped: 66 records, all unmapped.
    expect(unplaced.summary).toMatchObject({ records: 66, mapped: 0 });
  });

  it('filters the BAM of a bwa_mem_async job given as job://<id>/aligned.bam, as samtools does by hand on that file', async () => {
    const bwa = await runTool(h, 'bwa_mem', { reference: path.join(FIXTURES, 'lambda_virus.fa'), reads_1: path.join(FIXTURES, 'lambda_reads_1.fq.gz'), reads_2: path.join(FIXTURES, 'lambda_reads_2.fq.gz') });
    const chained = await runTool(h, 'samtools_view', { alignments: `job://${bwa.job_id}/aligned.bam`, region: `${CONTIG}:30000-40000`, min_mapq: 30 });
    expect(chained.steps[0]!.pipeline).toEqual([['samtools', 'index', 'inputs/aligned.bam']]);
    expect(chained.steps[1]!.pipeline).toEqual([['samtools', 'view', '-b', '-@', '1', '-o', 'filtered.bam', '-q', '30', 'inputs/aligned.bam', `${CONTIG}:30000-40000`]]);
    const byHand = await runByHand(
      { 'inputs/aligned.bam': outputPath(bwa, 'aligned.bam') },
      ['samtools index inputs/aligned.bam', `samtools view -b -o kept.bam -q 30 inputs/aligned.bam '${CONTIG}:30000-40000'`].join('\n'),
    );
    try {
      expect(await bamRecords(outputPath(chained, 'filtered.bam'))).toBe(await bamRecords(path.join(byHand.dir, 'kept.bam')));
      expect(chained.summary).toMatchObject({ records: (await recordsOf(path.join(byHand.dir, 'kept.bam'))).length, reference: REFERENCE });
      // bwa's @PG line comes along in the header.
      expect(await bamProgramsWithoutCommands(outputPath(chained, 'filtered.bam'))).toEqual(await bamProgramsWithoutCommands(path.join(byHand.dir, 'kept.bam')));
    } finally {
      await byHand.remove();
    }
  });

  it('keeps nothing, without a message, for a range past the end of a contig: samtools does not check it', async () => {
    const past = await runTool(h, 'samtools_view', { alignments: files.sortedBam, region: `${CONTIG}:60000-70000` });
    expect(past.summary).toMatchObject({ records: 0, reference: { length: 48502 } });
  });

  it('gives the same records with two threads as with one', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2', BIO_QUEUE_INPUT_ROOTS: [FIXTURES, h.inputsDir].join(path.delimiter) } });
    try {
      const result = await runTool(two, 'samtools_view', { alignments: files.sortedBam, region: REGION, min_mapq: 20, exclude_flags: 'UNMAP' });
      expect(result.steps[1]!.pipeline[0]).toEqual(['samtools', 'view', '-b', '-@', '2', '-o', 'filtered.bam', '-q', '20', '-F', 'UNMAP', 'inputs/lambda.sorted.bam', REGION]);
      expect(await bamRecords(outputPath(result, 'filtered.bam'))).toBe(await bamRecords(outputPath(region, 'filtered.bam')));
    } finally {
      await two.close();
    }
  });
});

describe('samtools_view_async on bad input', () => {
  it("blames region for a contig the alignments do not have, with samtools' own message (it would exit 0 with nothing kept)", async () => {
    const failed = await runToolToFailure(h, 'samtools_view', { alignments: files.sortedBam, region: 'chrZ:1-100' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'region',
      message:
        'region: "chrZ:1-100" is not a region of these alignments (its contig must be one of the @SQ names of their header, and start must not be past end) (samtools: [main_samview] region "chrZ:1-100" specifies an invalid region or unknown reference. Continue anyway.)',
    });
    await expectNoWorkLeft(h);
  });

  it('blames region for a range that ends before it starts, with samtools\' own message', async () => {
    const failed = await runToolToFailure(h, 'samtools_view', { alignments: files.sortedBam, region: `${CONTIG}:2000-1000` });
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'region', message: expect.stringMatching(/\(samtools: \[main_samview\] region ".*:2000-1000" specifies an invalid region or unknown reference\. Continue anyway\.\)$/) });
  });

  it('refuses a region on a BAM that is not sorted by coordinate, saying to sort it first', async () => {
    const failed = await runToolToFailure(h, 'samtools_view', { alignments: files.unsortedBam, region: CONTIG });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'alignments',
      message:
        'alignments: not sorted by coordinate, so they cannot be queried by region; run samtools_sort_async on them first and give its sorted.bam (job://<job_id>/sorted.bam) here (samtools: [E::hts_idx_push] Unsorted positions on sequence #1: 18430 followed by 8890)',
    });
    expect((await fs.readdir(path.dirname(files.unsortedBam))).filter((f) => f.endsWith('.bai'))).toEqual([]);
    await expectNoWorkLeft(h);
  });

  it('refuses a region on SAM text, saying to sort it into a BAM first', async () => {
    const failed = await runToolToFailure(h, 'samtools_view', { alignments: files.sam, region: CONTIG });
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'alignments',
      message:
        'alignments: SAM text (not bgzip-compressed) cannot be queried by region; run samtools_sort_async on it first and give its sorted.bam (job://<job_id>/sorted.bam) here (samtools: [E::sam_index_build3] SAM file "inputs/lambda.sam" not BGZF compressed)',
    });
    await expectNoWorkLeft(h);
  });

  it.each(['-h', '--help', `${CONTIG} other`, 'chr1:1-2 && id', 'chr1\nchr2', 'chr1,chr2', '{chr1:1-2', '*chr1', ''])('refuses the region %j before anything runs', async (value) => {
    expect(await callError(h.client, 'samtools_view_async', { alignments: files.sortedBam, region: value })).toBe(schemaError('region', REGION_RULE));
  });

  it.each([5000, -1, 2.5, 'UNMAPPED', 'UNMAP;DUP', '0x4'])('refuses the flags %j, listing the forms it may take', async (value) => {
    expect(await callError(h.client, 'samtools_view_async', { alignments: files.sortedBam, exclude_flags: value })).toBe(schemaError('exclude_flags', FLAGS_RULE));
  });

  it('refuses a mapping quality that is not a whole number from 0 to 255', async () => {
    expect(await callError(h.client, 'samtools_view_async', { alignments: files.sortedBam, min_mapq: -1 })).toBe(schemaError('min_mapq', 'must be at least 0'));
    expect(await callError(h.client, 'samtools_view_async', { alignments: files.sortedBam, min_mapq: 2.5 })).toBe(schemaError('min_mapq', 'must be a whole number'));
  });
});
