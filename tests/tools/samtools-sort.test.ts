// samtools_sort through the MCP server on minimap2's SAM of the lambda pairs (grouped by read,
// not sorted), against `samtools sort -o sorted.bam` typed by hand: the same records and the
// same header apart from the @PG command lines (ours add -@ and -T tmp/sort, and the job's
// input path). The summary against samtools' own flagstat and coverage of the hand-made BAM.
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAlignmentFiles, type AlignmentFiles } from '../support/alignment-files.js';
import { alignmentSummaryFromReports } from '../support/alignment-reports.js';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { bamHeaderWithoutPg, bamProgramsWithoutCommands, bamRecords } from '../support/compare-outputs.js';
import { FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { outputPath, runTool, type ToolResult } from '../support/tool-jobs.js';

const CONTIG = 'gi|9626243|ref|NC_001416.1|';

let h: Harness;
let files: AlignmentFiles;
let hand: ByHand;

beforeAll(async () => {
  h = await startHarness();
  files = await makeAlignmentFiles(path.join(h.inputsDir, 'alignments'));
  hand = await runByHand(
    { 'inputs/lambda.sam': files.sam },
    ['samtools sort -o sorted.bam inputs/lambda.sam', 'samtools flagstat -O json sorted.bam > flagstat.json', 'samtools coverage sorted.bam > coverage.tsv'].join('\n'),
  );
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

describe('samtools_sort_async', () => {
  let sorted: ToolResult;

  it('sorts a SAM into the records samtools sort gives by hand, with an index', async () => {
    sorted = await runTool(h, 'samtools_sort', { alignments: files.sam });
    expect(sorted.steps).toEqual([
      { label: 'sorting', pipeline: [['samtools', 'sort', '-@', '1', '-T', 'tmp/sort', '-o', 'sorted.bam', 'inputs/lambda.sam']], stdout: null },
      { label: 'indexing', pipeline: [['samtools', 'index', 'sorted.bam']], stdout: null },
      { label: 'counting', pipeline: [['samtools', 'flagstat', '-O', 'json', 'sorted.bam']], stdout: 'flagstat.json' },
      { label: 'measuring coverage', pipeline: [['samtools', 'coverage', 'sorted.bam']], stdout: 'coverage.tsv' },
    ]);
    expect(sorted.command).toEqual(sorted.steps[0]!.pipeline[0]);
    expect(sorted.tool_version).toMatch(/^1\.\d+/);
    expect(sorted.files.map((f) => f.name)).toEqual(['sorted.bam', 'sorted.bam.bai', 'flagstat.json', 'coverage.tsv']);

    const ours = outputPath(sorted, 'sorted.bam');
    const theirs = path.join(hand.dir, 'sorted.bam');
    expect(await bamRecords(ours)).toBe(await bamRecords(theirs));
    expect((await bamRecords(ours)).split('\n')).toHaveLength(4005);
    expect(await bamHeaderWithoutPg(ours)).toBe(await bamHeaderWithoutPg(theirs));
    expect((await bamHeaderWithoutPg(ours)).split('\n')[0]).toBe('@HD\tVN:1.6\tSO:coordinate');
    expect(await bamProgramsWithoutCommands(ours)).toEqual(await bamProgramsWithoutCommands(theirs));
    const { stdout } = await execa('samtools', ['idxstats', ours]);
    expect(stdout.split('\n')[0]).toBe(`${CONTIG}\t48502\t3600\t339`);
  });

  it('summarises with the numbers of samtools flagstat and coverage on the BAM sorted by hand', async () => {
    expect(sorted.summary).toEqual(alignmentSummaryFromReports(String(await hand.file('flagstat.json')), String(await hand.file('coverage.tsv')), CONTIG, 48502));
    expect(sorted.summary).toMatchObject({ records: 4005, mapped: 3600 });
  });

  it('sorts an unsorted BAM and inline SAM text the same way', async () => {
    const fromBam = await runTool(h, 'samtools_sort', { alignments: files.unsortedBam });
    expect(fromBam.command).toEqual(['samtools', 'sort', '-@', '1', '-T', 'tmp/sort', '-o', 'sorted.bam', 'inputs/lambda.unsorted.bam']);
    expect(await bamRecords(outputPath(fromBam, 'sorted.bam'))).toBe(await bamRecords(outputPath(sorted, 'sorted.bam')));

    const text = [`@SQ\tSN:chr1\tLN:100`, 'b\t0\tchr1\t50\t60\t4M\t*\t0\t0\tACGT\tIIII', 'a\t0\tchr1\t7\t60\t4M\t*\t0\t0\tTTGA\tIIII', ''].join('\n');
    const inline = await runTool(h, 'samtools_sort', { alignments: text });
    expect((await bamRecords(outputPath(inline, 'sorted.bam'))).split('\n').map((r) => r.split('\t')[0])).toEqual(['a', 'b']);
    expect(inline.summary).toMatchObject({ records: 2, mapped: 2, reference_length: 100 });
  });

  it('gives the same records with two threads as with one', async () => {
    // The same input roots, so the same file can be given by path.
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2', BIO_QUEUE_INPUT_ROOTS: [FIXTURES, h.inputsDir].join(path.delimiter) } });
    try {
      const result = await runTool(two, 'samtools_sort', { alignments: files.sam });
      expect(result.command).toEqual(['samtools', 'sort', '-@', '2', '-T', 'tmp/sort', '-o', 'sorted.bam', 'inputs/lambda.sam']);
      expect(await bamRecords(outputPath(result, 'sorted.bam'))).toBe(await bamRecords(outputPath(sorted, 'sorted.bam')));
    } finally {
      await two.close();
    }
  });
});
