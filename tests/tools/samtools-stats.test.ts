// samtools_stats through the MCP server on a sorted BAM of the lambda pairs, against `samtools
// stats` typed by hand: every line of the report is the same but "# The command line was:",
// which names the command (ours adds -@ and the job's input path). The summary against the SN
// lines of the report made by hand.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAlignmentFiles, type AlignmentFiles } from '../support/alignment-files.js';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { outputPath, runTool, type ToolResult } from '../support/tool-jobs.js';

const COMMAND_LINE = '# The command line was:';

let h: Harness;
let files: AlignmentFiles;
let hand: ByHand;

const linesOf = (text: string) => text.split('\n');
const withoutCommandLine = (text: string) => linesOf(text).filter((l) => !l.startsWith(COMMAND_LINE));

beforeAll(async () => {
  h = await startHarness();
  files = await makeAlignmentFiles(path.join(h.inputsDir, 'alignments'));
  hand = await runByHand({ 'inputs/lambda.sorted.bam': files.sortedBam }, 'samtools stats inputs/lambda.sorted.bam > stats.txt');
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

describe('samtools_stats_async', () => {
  let first: ToolResult;
  let report: string;

  it('writes the report samtools stats prints by hand, but for the line that names the command', async () => {
    first = await runTool(h, 'samtools_stats', { alignments: files.sortedBam });
    expect(first.steps).toEqual([{ label: 'collecting statistics', pipeline: [['samtools', 'stats', '-@', '1', 'inputs/lambda.sorted.bam']], stdout: 'stats.txt' }]);
    expect(first.command).toEqual(['samtools', 'stats', '-@', '1', 'inputs/lambda.sorted.bam']);
    expect(first.files.map((f) => f.name)).toEqual(['stats.txt']);
    report = await fs.readFile(outputPath(first, 'stats.txt'), 'utf8');
    const theirs = String(await hand.file('stats.txt'));
    expect(withoutCommandLine(report)).toEqual(withoutCommandLine(theirs));
    expect(linesOf(report).filter((l) => l.startsWith(COMMAND_LINE))).toEqual([`${COMMAND_LINE}  stats -@ 1 inputs/lambda.sorted.bam`]);
    expect(linesOf(theirs).filter((l) => l.startsWith(COMMAND_LINE))).toEqual([`${COMMAND_LINE}  stats inputs/lambda.sorted.bam`]);
    expect(linesOf(report).length).toBeGreaterThan(3000);
  });

  it('summarises with the SN numbers of the report made by hand', async () => {
    const sn = new Map<string, string>();
    for (const line of linesOf(String(await hand.file('stats.txt')))) {
      const [kind, label, value] = line.split('\t');
      if (kind === 'SN') sn.set(label!, value!);
    }
    const n = (label: string) => Number(sn.get(`${label}:`));
    expect(first.summary).toEqual({
      raw_total_sequences: n('raw total sequences'),
      filtered_sequences: n('filtered sequences'),
      sequences: n('sequences'),
      is_sorted: true,
      first_fragments: n('1st fragments'),
      last_fragments: n('last fragments'),
      reads_mapped: n('reads mapped'),
      reads_mapped_and_paired: n('reads mapped and paired'),
      reads_unmapped: n('reads unmapped'),
      reads_properly_paired: n('reads properly paired'),
      reads_paired: n('reads paired'),
      reads_duplicated: n('reads duplicated'),
      reads_mq0: n('reads MQ0'),
      reads_qc_failed: n('reads QC failed'),
      non_primary_alignments: n('non-primary alignments'),
      supplementary_alignments: n('supplementary alignments'),
      total_length: n('total length'),
      bases_mapped_cigar: n('bases mapped (cigar)'),
      mismatches: n('mismatches'),
      error_rate: n('error rate'),
      average_length: n('average length'),
      maximum_length: n('maximum length'),
      average_quality: n('average quality'),
      insert_size_average: n('insert size average'),
      insert_size_standard_deviation: n('insert size standard deviation'),
      properly_paired_percent: n('percentage of properly paired reads (%)'),
    });
    expect(sn.get('is sorted:')).toBe('1');
    // samtools stats counts primary reads: 4,000 of the 4,005 records (5 are supplementary).
    expect(first.summary).toMatchObject({ raw_total_sequences: 4000, reads_mapped: 3595, reads_properly_paired: 3224, supplementary_alignments: 5, error_rate: 0.0206258 });
  });

  it('reports an unsorted SAM as unsorted, with the same counts', async () => {
    const sam = await runTool(h, 'samtools_stats', { alignments: files.sam });
    expect(sam.summary).toEqual({ ...first.summary, is_sorted: false });
  });

  it('writes the same report with two threads, but for the line that names the command', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2', BIO_QUEUE_INPUT_ROOTS: [FIXTURES, h.inputsDir].join(path.delimiter) } });
    try {
      const result = await runTool(two, 'samtools_stats', { alignments: files.sortedBam });
      expect(result.command).toEqual(['samtools', 'stats', '-@', '2', 'inputs/lambda.sorted.bam']);
      expect(withoutCommandLine(await fs.readFile(outputPath(result, 'stats.txt'), 'utf8'))).toEqual(withoutCommandLine(report));
    } finally {
      await two.close();
    }
  });
});
