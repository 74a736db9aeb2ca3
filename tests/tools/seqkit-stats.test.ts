// seqkit_stats through the MCP server, against `seqkit stats -a -T` typed by hand: stats.tsv is
// compared as bytes. seqkit writes no command line or date, and its "file" column shows each
// path as given, so the run by hand uses the names the job staged (inputs/<file name>, the
// second of two equal names prefixed with its field). The summary rows are checked against
// the table written by hand. Covered: several inputs in the caller's order (FASTQ, gzip, FASTA,
// protein), two files of the same name from two folders, job:// outputs of a fastp job (the
// chain an assistant makes), inline text, two threads (-j 2), and bad inputs in a list.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { callError, FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { expectNoWorkLeft, outputPath, runTool, runToolToFailure, type ToolResult } from '../support/tool-jobs.js';

const fixture = (name: string) => path.join(FIXTURES, name);
const FIVE = ['lambda_reads_1.fq.gz', 'illumina16s_R1.fq.gz', 'lambda_virus.fa', 'globins45.fa', 'lambda_longreads.fq.gz'];

let h: Harness;
let five: ToolResult;
let fiveByHand: ByHand;
const scratch: ByHand[] = [];

async function byHand(inputs: Record<string, string>, command: string): Promise<ByHand> {
  const hand = await runByHand(inputs, command);
  scratch.push(hand);
  return hand;
}

// The rows of a table seqkit wrote by hand, as the summary should give them: numbers as
// numbers, and the caller's input beside each.
async function rowsOf(hand: ByHand, inputs: string[]): Promise<Record<string, unknown>[]> {
  const [header, ...lines] = String(await hand.file('stats.tsv')).trimEnd().split('\n');
  const columns = header!.split('\t');
  return lines.map((line, i) => {
    const row: Record<string, unknown> = { input: inputs[i] };
    // seqkit's "NaN" (qualities of reads with no bases) has no JSON number: null.
    line.split('\t').forEach((cell, c) => (row[columns[c]!] = ['file', 'format', 'type'].includes(columns[c]!) ? cell : cell === 'NaN' ? null : Number(cell)));
    return row;
  });
}

async function expectSameTable(result: ToolResult, hand: ByHand): Promise<void> {
  expect(result.files.map((f) => f.name)).toEqual(['stats.tsv']);
  expect(await fs.readFile(outputPath(result, 'stats.tsv'), 'utf8')).toBe(String(await hand.file('stats.tsv')));
}

beforeAll(async () => {
  h = await startHarness();
  fiveByHand = await byHand(
    Object.fromEntries(FIVE.map((name) => [`inputs/${name}`, fixture(name)])),
    `seqkit stats -a -T -j 1 ${FIVE.map((name) => `inputs/${name}`).join(' ')} > stats.tsv`,
  );
});

afterAll(async () => {
  await h?.close();
  for (const hand of scratch) await hand.remove();
});

describe('seqkit_stats_async', () => {
  it('measures five inputs in the order given, as seqkit stats -a -T does by hand', async () => {
    five = await runTool(h, 'seqkit_stats', { sequences: FIVE.map(fixture) });
    const argv = ['seqkit', 'stats', '-a', '-T', '-j', '1', ...FIVE.map((name) => `inputs/${name}`)];
    expect(five.steps).toEqual([{ label: 'counting', pipeline: [argv], stdout: 'stats.tsv' }]);
    expect(five.command).toEqual(argv);
    expect(five.tool_version).toBe('2.3.0');
    await expectSameTable(five, fiveByHand);
  });

  it("summarises with seqkit's own rows, each beside the input it describes", async () => {
    expect(five.summary).toEqual({ stats: await rowsOf(fiveByHand, FIVE.map(fixture)) });
    const stats = five.summary.stats as Record<string, unknown>[];
    expect(stats.map((row) => [row.file, row.format, row.type, row.num_seqs, row.sum_len])).toEqual([
      ['inputs/lambda_reads_1.fq.gz', 'FASTQ', 'DNA', 2000, 214798],
      ['inputs/illumina16s_R1.fq.gz', 'FASTQ', 'DNA', 500, 113504],
      ['inputs/lambda_virus.fa', 'FASTA', 'DNA', 1, 48502],
      ['inputs/globins45.fa', 'FASTA', 'Protein', 45, 6519],
      ['inputs/lambda_longreads.fq.gz', 'FASTQ', 'DNA', 500, 168704],
    ]);
    expect(stats[0]).toMatchObject({ input: fixture('lambda_reads_1.fq.gz'), N50: 129, 'Q20(%)': 39.9, 'Q30(%)': 20.06, 'GC(%)': 48.91 });
  });

  it('keeps two files of the same name from two folders apart, under the names the job staged', async () => {
    const first = path.join(h.inputsDir, 'run1', 'reads.fq.gz');
    const second = path.join(h.inputsDir, 'run2', 'reads.fq.gz');
    await fs.mkdir(path.dirname(first), { recursive: true });
    await fs.mkdir(path.dirname(second), { recursive: true });
    await fs.copyFile(fixture('lambda_reads_1.fq.gz'), first);
    await fs.copyFile(fixture('illumina16s_R1.fq.gz'), second);
    const hand = await byHand(
      { 'inputs/reads.fq.gz': first, 'inputs/sequences.1-reads.fq.gz': second },
      'seqkit stats -a -T -j 1 inputs/reads.fq.gz inputs/sequences.1-reads.fq.gz > stats.tsv',
    );
    const result = await runTool(h, 'seqkit_stats', { sequences: [first, second] });
    expect(result.command.slice(-2)).toEqual(['inputs/reads.fq.gz', 'inputs/sequences.1-reads.fq.gz']);
    await expectSameTable(result, hand);
    expect(result.summary).toEqual({ stats: await rowsOf(hand, [first, second]) });
    expect((result.summary.stats as Record<string, unknown>[]).map((row) => row.num_seqs)).toEqual([2000, 500]);
  });

  // fastp takes seconds even on these reads, many on a loaded machine.
  it("measures a fastp job's trimmed reads through job:// links", { timeout: 180_000 }, async () => {
    const trimmed = await runTool(h, 'fastp', { reads_1: fixture('illumina16s_R1.fq.gz'), reads_2: fixture('illumina16s_R2.fq.gz') });
    const links = ['trimmed_1.fq.gz', 'trimmed_2.fq.gz'].map((name) => `job://${trimmed.job_id}/${name}`);
    const result = await runTool(h, 'seqkit_stats', { sequences: [...links, fixture('illumina16s_R1.fq.gz')] });
    expect(result.command.slice(-3)).toEqual(['inputs/trimmed_1.fq.gz', 'inputs/trimmed_2.fq.gz', 'inputs/illumina16s_R1.fq.gz']);
    const hand = await byHand(
      {
        'inputs/trimmed_1.fq.gz': outputPath(trimmed, 'trimmed_1.fq.gz'),
        'inputs/trimmed_2.fq.gz': outputPath(trimmed, 'trimmed_2.fq.gz'),
        'inputs/illumina16s_R1.fq.gz': fixture('illumina16s_R1.fq.gz'),
      },
      'seqkit stats -a -T -j 1 inputs/trimmed_1.fq.gz inputs/trimmed_2.fq.gz inputs/illumina16s_R1.fq.gz > stats.tsv',
    );
    await expectSameTable(result, hand);
    expect(result.summary).toEqual({ stats: await rowsOf(hand, [...links, fixture('illumina16s_R1.fq.gz')]) });
    // fastp's 960 passing reads are 480 pairs; the untrimmed file still has its 500 reads.
    expect((result.summary.stats as Record<string, unknown>[]).map((row) => row.num_seqs)).toEqual([480, 480, 500]);
    expect(trimmed.summary).toMatchObject({ after_filtering: { reads: 960 } });
  });

  it('measures sequences given as text', async () => {
    const sequences = ['>one\nACGTNNACGT\n>two\nAC\n', '@r1\nACGTACGT\n+\nIIII!!!!\n', '@empty\n\n+\n\n'];
    const names = ['sequences.0.fa', 'sequences.1.fq', 'sequences.2.fq'];
    const files = names.map((name) => path.join(h.inputsDir, name));
    for (const [i, file] of files.entries()) await fs.writeFile(file, sequences[i]!);
    const hand = await byHand(
      Object.fromEntries(names.map((name, i) => [`inputs/${name}`, files[i]!])),
      `seqkit stats -a -T -j 1 ${names.map((name) => `inputs/${name}`).join(' ')} > stats.tsv`,
    );
    const result = await runTool(h, 'seqkit_stats', { sequences });
    await expectSameTable(result, hand);
    expect(result.summary).toEqual({ stats: await rowsOf(hand, sequences.map((text) => `inline text (${Buffer.byteLength(text)} bytes)`)) });
    expect(result.summary.stats).toMatchObject([
      { num_seqs: 2, sum_len: 12, sum_gap: 0, 'Q20(%)': 0 },
      { num_seqs: 1, sum_len: 8, 'Q20(%)': 50, 'Q30(%)': 50 },
      // A read with no bases: seqkit calls the file FASTA and its qualities NaN.
      { file: 'inputs/sequences.2.fq', format: 'FASTA', num_seqs: 1, sum_len: 0, 'Q20(%)': null, 'GC(%)': null },
    ]);
  });

  it('gives the same table with two threads', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2' } });
    try {
      const result = await runTool(two, 'seqkit_stats', { sequences: FIVE.map(fixture) });
      expect(result.command.slice(0, 6)).toEqual(['seqkit', 'stats', '-a', '-T', '-j', '2']);
      await expectSameTable(result, fiveByHand);
      expect(result.summary).toEqual(five.summary);
    } finally {
      await two.close();
    }
  });
});

describe('seqkit_stats_async on bad input', () => {
  const good = fixture('lambda_virus.fa');

  it.each([
    ['not_fasta.txt', 'sequences.1: not FASTA: line 1 should be a header starting with ">" but reads "this is not a FASTA file"'],
    ['qual_mismatch.fq', 'sequences.1: record 1 (r1), line 4: the quality has 121 characters but the sequence has 122; they must be the same length'],
    ['truncated.fq', 'sequences.1: record 2 (r2) at line 5 is cut short: the file ends after its sequence line, without the "+" line and quality'],
    ['bad_chars.fa', 'sequences.1: record 2 (seq2), line 4, column 7: "1" is not allowed in a sequence; use IUPAC letters, "-" or "*"'],
  ])('refuses bad/%s before seqkit runs (seqkit would print [ERRO] or count it, and exit 0), naming its place in the list', async (name, message) => {
    const failed = await runToolToFailure(h, 'seqkit_stats', { sequences: [good, path.join(FIXTURES, 'bad', name)] });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'sequences.1', message });
    await expectNoWorkLeft(h);
  });

  it('refuses an HMM profile', async () => {
    const failed = await runToolToFailure(h, 'seqkit_stats', { sequences: [fixture('globins4.hmm')] });
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'sequences.0', message: 'sequences.0: is an HMMER profile, but this needs FASTA or FASTQ' });
    await expectNoWorkLeft(h);
  });

  it('refuses an empty file at submit, naming its place in the list', async () => {
    const empty = path.join(FIXTURES, 'bad', 'empty.fa');
    expect(await callError(h.client, 'seqkit_stats_async', { sequences: [good, good, empty] })).toBe(`input_invalid: sequences.2: "${empty}" is an empty file`);
  });

  it('refuses an empty list and a single string', async () => {
    expect(await callError(h.client, 'seqkit_stats_async', { sequences: [] })).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool seqkit_stats_async: must name at least one input at sequences',
    );
    expect(await callError(h.client, 'seqkit_stats_async', { sequences: good })).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool seqkit_stats_async: must be a list of inputs at sequences',
    );
  });
});
