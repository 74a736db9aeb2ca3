// samtools_flagstat through the MCP server on a sorted BAM and on minimap2's SAM of the lambda
// pairs, against `samtools flagstat` typed by hand: the report is compared byte for byte (it
// holds no command line or date). The summary, read from that text report, against samtools'
// own JSON report (-O json) of the same file, key by key.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAlignmentFiles, type AlignmentFiles } from '../support/alignment-files.js';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { outputPath, runTool, type ToolResult } from '../support/tool-jobs.js';

let h: Harness;
let files: AlignmentFiles;
let hand: ByHand;

type Counts = Record<string, number | null>;

// samtools' JSON names, written out, for the summary's snake_case ones.
function fromJson(c: Counts): Counts {
  return {
    total: c['total']!,
    primary: c['primary']!,
    secondary: c['secondary']!,
    supplementary: c['supplementary']!,
    duplicates: c['duplicates']!,
    primary_duplicates: c['primary duplicates']!,
    mapped: c['mapped']!,
    mapped_percent: c['mapped %']!,
    primary_mapped: c['primary mapped']!,
    primary_mapped_percent: c['primary mapped %']!,
    paired_in_sequencing: c['paired in sequencing']!,
    read1: c['read1']!,
    read2: c['read2']!,
    properly_paired: c['properly paired']!,
    properly_paired_percent: c['properly paired %']!,
    with_itself_and_mate_mapped: c['with itself and mate mapped']!,
    singletons: c['singletons']!,
    singletons_percent: c['singletons %']!,
    with_mate_mapped_to_a_different_chr: c['with mate mapped to a different chr']!,
    with_mate_mapped_to_a_different_chr_mapq_ge_5: c['with mate mapped to a different chr (mapQ >= 5)']!,
  };
}

beforeAll(async () => {
  h = await startHarness();
  files = await makeAlignmentFiles(path.join(h.inputsDir, 'alignments'));
  hand = await runByHand(
    { 'inputs/lambda.sorted.bam': files.sortedBam, 'inputs/lambda.sam': files.sam },
    [
      'samtools flagstat inputs/lambda.sorted.bam > flagstat.txt',
      'samtools flagstat -O json inputs/lambda.sorted.bam > flagstat.json',
      'samtools flagstat inputs/lambda.sam > sam.flagstat.txt',
    ].join('\n'),
  );
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

describe('samtools_flagstat_async', () => {
  let first: ToolResult;

  it('writes the very report samtools flagstat prints by hand', async () => {
    first = await runTool(h, 'samtools_flagstat', { alignments: files.sortedBam });
    expect(first.steps).toEqual([{ label: 'counting', pipeline: [['samtools', 'flagstat', '-@', '1', 'inputs/lambda.sorted.bam']], stdout: 'flagstat.txt' }]);
    expect(first.command).toEqual(['samtools', 'flagstat', '-@', '1', 'inputs/lambda.sorted.bam']);
    expect(first.files.map((f) => f.name)).toEqual(['flagstat.txt']);
    expect(await fs.readFile(outputPath(first, 'flagstat.txt'))).toEqual(await hand.file('flagstat.txt'));
  });

  it("summarises with the numbers of samtools' own JSON report, QC-passed and QC-failed", async () => {
    const json = JSON.parse(String(await hand.file('flagstat.json'))) as Record<string, Counts>;
    expect(first.summary).toEqual({ qc_passed: fromJson(json['QC-passed reads']!), qc_failed: fromJson(json['QC-failed reads']!) });
    expect(first.summary).toMatchObject({ qc_passed: { total: 4005, mapped: 3600, properly_paired: 3224, mapped_percent: 89.89 }, qc_failed: { total: 0, mapped_percent: null } });
  });

  it('reads SAM as well, to the same report', async () => {
    const result = await runTool(h, 'samtools_flagstat', { alignments: files.sam });
    expect(result.command).toEqual(['samtools', 'flagstat', '-@', '1', 'inputs/lambda.sam']);
    expect(await fs.readFile(outputPath(result, 'flagstat.txt'))).toEqual(await hand.file('sam.flagstat.txt'));
    expect(await hand.file('sam.flagstat.txt')).toEqual(await hand.file('flagstat.txt'));
  });

  it('writes the same bytes with two threads', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2', BIO_QUEUE_INPUT_ROOTS: [FIXTURES, h.inputsDir].join(path.delimiter) } });
    try {
      const result = await runTool(two, 'samtools_flagstat', { alignments: files.sortedBam });
      expect(result.command).toEqual(['samtools', 'flagstat', '-@', '2', 'inputs/lambda.sorted.bam']);
      expect(await fs.readFile(outputPath(result, 'flagstat.txt'))).toEqual(await hand.file('flagstat.txt'));
    } finally {
      await two.close();
    }
  });
});
