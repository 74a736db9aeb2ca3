// mafft through the MCP server on the globin fixtures, against the same command typed by hand:
// the aligned FASTA is byte-identical (mafft writes no date or command line into it), for each
// strategy and for one or two threads; the summary is checked against the alignment mafft wrote
// by hand (counted here from that file) and against the strategy its own log names.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mafftProgress } from '../../tools/mafft-progress.js';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { callError, FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { expectNoWorkLeft, outputPath, runTool, runToolToFailure, type ToolResult } from '../support/tool-jobs.js';

const globins = path.join(FIXTURES, 'globins45.fa');
let h: Harness;

// mafft --auto on the globins, by hand and as a one-thread job, is what three tests compare
// against (the alignment, the two-thread job, the progress of its log): each runs once, on first
// use, and later tests read the same files.
let autoByHand: Promise<ByHand> | undefined;
const mafftAutoByHand = () => (autoByHand ??= runByHand({ 'inputs/globins45.fa': globins }, 'mafft --auto inputs/globins45.fa > alignment.fa 2> mafft.log'));
let autoJob: Promise<ToolResult> | undefined;
const mafftAutoJob = () => (autoJob ??= runTool(h, 'mafft', { sequences: globins }));

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  // A by-hand run that failed has failed its test already, and has no folder to hand back.
  await autoByHand?.then((hand) => hand.remove(), () => undefined);
});

// Sequences, columns and gaps of an aligned FASTA, counted plainly: the oracle of the summary.
function countAlignment(text: string) {
  const rows = text.split('>').slice(1).map((record) => record.split('\n').slice(1).join(''));
  const columns = rows[0]!.length;
  const gaps = rows.reduce((n, r) => n + [...r].filter((c) => c === '-').length, 0);
  const gapless = [...rows[0]!].filter((_, i) => rows.every((r) => r[i] !== '-')).length;
  const lengths = rows.map((r) => r.replaceAll('-', '').length);
  return { sequences: rows.length, columns, gap_percent: Math.round((10000 * gaps) / (rows.length * columns)) / 100, gapless_columns: gapless, shortest_sequence: Math.min(...lengths), longest_sequence: Math.max(...lengths) };
}

describe('mafft_async', () => {
  it('aligns the 45 globins as mafft --auto does by hand, byte for byte, and says which strategy it picked', async () => {
    const result = await mafftAutoJob();
    expect(result.steps).toEqual([{ label: 'aligning', pipeline: [['mafft', '--auto', '--thread', '1', 'inputs/globins45.fa']], stdout: 'alignment.fa' }]);
    expect(result.tool_version).toBe('7.505');
    expect(result.files.map((f) => f.name)).toEqual(['alignment.fa', 'mafft.log']);
    const hand = await mafftAutoByHand();
    const ours = await fs.readFile(outputPath(result, 'alignment.fa'));
    expect(ours.equals(await hand.file('alignment.fa'))).toBe(true);
    expect(result.summary).toEqual({ ...countAlignment(ours.toString()), strategy: 'L-INS-i' });
    expect((await hand.file('mafft.log')).toString()).toContain('Strategy:\n L-INS-i (Probably most accurate, very slow)');
    expect(result.summary).toMatchObject({ sequences: 45 });
  });

  it.each([
    ['linsi', '--localpair --maxiterate 1000'],
    ['ginsi', '--globalpair --maxiterate 1000'],
    ['einsi', '--ep 0 --genafpair --maxiterate 1000'],
    ['fftns2', '--retree 2'],
  ])('runs strategy %s as the mafft manual spells it (%s)', async (strategy, options) => {
    const result = await runTool(h, 'mafft', { sequences: globins, strategy });
    expect(result.command).toEqual(['mafft', ...options.split(' '), '--thread', '1', 'inputs/globins45.fa']);
    const hand = await runByHand({ 'inputs/globins45.fa': globins }, `mafft ${options} inputs/globins45.fa > alignment.fa 2> /dev/null`);
    try {
      expect((await fs.readFile(outputPath(result, 'alignment.fa'))).equals(await hand.file('alignment.fa'))).toBe(true);
    } finally {
      await hand.remove();
    }
  });

  it('gives the same alignment with two threads', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2' } });
    try {
      const one = await mafftAutoJob();
      const result = await runTool(two, 'mafft', { sequences: globins });
      expect(result.command).toContain('2');
      expect((await fs.readFile(outputPath(result, 'alignment.fa'))).equals(await fs.readFile(outputPath(one, 'alignment.fa')))).toBe(true);
    } finally {
      await two.close();
    }
  });

  it("aligns nucleotides (in mafft's lower case) given inline, and the reads of an earlier job's output", async () => {
    const queries = await fs.readFile(path.join(FIXTURES, 'lambda_queries.fa'), 'utf8');
    const inline = queries.split('>').slice(1, 6).map((r) => `>${r}`).join('');
    const result = await runTool(h, 'mafft', { sequences: inline, strategy: 'fftns2' });
    const aligned = await fs.readFile(outputPath(result, 'alignment.fa'), 'utf8');
    expect(aligned.split('\n')[1]).toMatch(/^[acgt-]+$/);
    // The alignment of an alignment: job:// hands the first job's output to the second.
    const again = await runTool(h, 'mafft', { sequences: `job://${result.job_id}/alignment.fa`, strategy: 'fftns2' });
    expect(again.summary).toMatchObject({ sequences: 5 });
  });
});

describe("mafft's progress", () => {
  it("follows the three phases of a real L-INS-i run's stderr, in mafft's own words, never going back", async () => {
    // Through bash into a file: mafft reopens /dev/stderr, which a Node pipe (a socket) cannot be.
    const stderr = (await (await mafftAutoByHand()).file('mafft.log')).toString();
    const tracker = mafftProgress();
    const seen: { done: number; message: string | undefined }[] = [];
    // Fed a line at a time (each ending in "\r" or "\n"), then in pieces that cut lines, as stderr arrives.
    for (const line of stderr.split(/(?<=[\r\n])/)) {
      tracker.feed(line);
      seen.push({ done: tracker.done(), message: tracker.message?.() });
    }
    const cut = mafftProgress();
    for (let i = 0; i < stderr.length; i += 997) cut.feed(stderr.slice(i, i + 997));
    expect([cut.done(), cut.message?.()]).toEqual([tracker.done(), tracker.message?.()]);
    const done = seen.map((s) => s.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(tracker.total?.()).toBe(1000);
    const messages = new Set(seen.map((s) => s.message));
    expect([...messages].some((m) => /^aligning all pairs, \d+ of 45$/.test(m ?? ''))).toBe(true);
    expect(messages).toContain('progressive alignment, step 44 of 44');
    expect([...messages].some((m) => /^iterative refinement, iteration \d+ of at most 16$/.test(m ?? ''))).toBe(true);
    expect(tracker.done()).toBeGreaterThan(800);
    expect(tracker.done()).toBeLessThan(1000);
  });
});

describe('mafft_async on bad input', () => {
  it.each([
    ['not_fasta.txt', 'sequences: not FASTA: line 1 should be a header starting with ">" but reads "this is not a FASTA file"'],
    ['bad_chars.fa', 'sequences: record 2 (seq2), line 4, column 7: "1" is not allowed in a sequence; use IUPAC letters, "-" or "*"'],
    ['truncated.fq', 'sequences: is FASTQ, but this needs FASTA'],
  ])('refuses bad/%s before mafft runs (mafft itself would exit 0 or drop characters), once', async (file, message) => {
    const failed = await runToolToFailure(h, 'mafft', { sequences: path.join(FIXTURES, 'bad', file) });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'sequences', message });
    await expectNoWorkLeft(h);
  });

  it('refuses an empty file at submit, and a strategy mafft does not have', async () => {
    expect(await callError(h.client, 'mafft_async', { sequences: path.join(FIXTURES, 'bad', 'empty.fa') })).toBe(
      `input_invalid: sequences: "${path.join(FIXTURES, 'bad', 'empty.fa')}" is an empty file`,
    );
    expect(await callError(h.client, 'mafft_async', { sequences: globins, strategy: 'muscle' })).toContain(
      'must be one of "auto", "linsi", "ginsi", "einsi", "fftns2"',
    );
  });
});
