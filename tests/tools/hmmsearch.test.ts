// hmmsearch through the MCP server on the fixtures (globins4.hmm against globins45.fa), against
// the same command typed by hand in a folder where the inputs have the names the job gives them
// (inputs/globins4.hmm, inputs/globins45.fa), so even the command line is the same:
//  - hits.tbl and domains.tbl: identical but for their "# Current dir:" and "# Date:" lines;
//  - report.txt: identical but for the "# CPU time:" and "# Mc/sec:" line closing each query.
// With two worker threads (--cpu 2) the data rows and the report's results are the same. The
// summary is checked against the hand run's tables; bad inputs are refused before hmmsearch
// runs (it exits 0 on a profile cut short and searches DNA as protein).
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { callError, FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { hashLine, RUN_LINES, tableRows, topHitsOf, withoutHashLines } from '../support/hmmer-outputs.js';
import { expectNoWorkLeft, outputPath, runTool, runToolToFailure, type ToolResult } from '../support/tool-jobs.js';

const profile = path.join(FIXTURES, 'globins4.hmm');
const sequences = path.join(FIXTURES, 'globins45.fa');
const OUTPUTS = ['report.txt', 'hits.tbl', 'domains.tbl'];
const byHandCommand = (options = '') =>
  `hmmsearch -o report.txt --tblout hits.tbl --domtblout domains.tbl --cpu 1${options} inputs/globins4.hmm inputs/globins45.fa`;

let h: Harness;
let hand: ByHand;
let first: ToolResult;

beforeAll(async () => {
  h = await startHarness();
  hand = await runByHand({ 'inputs/globins4.hmm': profile, 'inputs/globins45.fa': sequences }, byHandCommand());
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

describe('hmmsearch_async', () => {
  it('finds all 45 globins with globins4, in the tables and report hmmsearch writes by hand', async () => {
    first = await runTool(h, 'hmmsearch', { profile, sequences });
    expect(first.steps).toEqual([
      {
        label: 'searching',
        pipeline: [['hmmsearch', '-o', 'report.txt', '--tblout', 'hits.tbl', '--domtblout', 'domains.tbl', '--cpu', '1', 'inputs/globins4.hmm', 'inputs/globins45.fa']],
        stdout: null,
      },
    ]);
    expect(first.command.join(' ')).toBe(byHandCommand());
    expect(first.tool_version).toBe('3.3.2');
    expect(first.indexes).toEqual([]);
    expect(first.files.map((f) => [f.name, f.media_type])).toEqual(OUTPUTS.map((name) => [name, 'text/plain']));

    for (const table of ['hits.tbl', 'domains.tbl']) {
      expect(await withoutHashLines(outputPath(first, table), RUN_LINES), table).toBe(await withoutHashLines(path.join(hand.dir, table), RUN_LINES));
      expect(await hashLine(outputPath(first, table), 'Option settings')).toBe(`# Option settings: ${byHandCommand()} `);
    }
    expect(await withoutHashLines(outputPath(first, 'report.txt'), RUN_LINES)).toBe(await withoutHashLines(path.join(hand.dir, 'report.txt'), RUN_LINES));
    // What the fixtures' README promises: every one of the 45 sequences is a hit.
    const hits = await tableRows(outputPath(first, 'hits.tbl'));
    expect(hits).toHaveLength(45);
    expect(new Set(hits.map((c) => c[0])).size).toBe(45);
  });

  it("summarises with the numbers of the hand run's tables", async () => {
    const hits = await tableRows(path.join(hand.dir, 'hits.tbl'));
    const domains = await tableRows(path.join(hand.dir, 'domains.tbl'));
    expect(first.summary).toEqual({
      query_profiles: 1,
      target_sequences: 45,
      hits: 45,
      domains: domains.length,
      queries_with_hits: 1,
      top_hits: topHitsOf(hits, domains),
    });
    expect((first.summary.top_hits as { target: string; evalue: number }[])[0]).toMatchObject({ target: 'MYG_ESCGI', evalue: 8.7e-67 });
    // Small enough for a model's context, whatever the search.
    expect(JSON.stringify(first.summary).length).toBeLessThan(8000);
  });

  it('searches with each model of a profile file in turn, as hmmsearch does by hand', async () => {
    const minipfam = path.join(h.inputsDir, 'minipfam.hmm');
    const models = await Promise.all(['globins4.hmm', 'fn3.hmm', 'Pkinase.hmm'].map((f) => fs.readFile(path.join(FIXTURES, f), 'utf8')));
    await fs.writeFile(minipfam, models.join(''));
    const seven = path.join(FIXTURES, '7LESS_DROME.fa');
    const result = await runTool(h, 'hmmsearch', { profile: minipfam, sequences: seven });
    const byHand = await runByHand(
      { 'inputs/minipfam.hmm': minipfam, 'inputs/7LESS_DROME.fa': seven },
      'hmmsearch -o report.txt --tblout hits.tbl --domtblout domains.tbl --cpu 1 inputs/minipfam.hmm inputs/7LESS_DROME.fa',
    );
    try {
      for (const name of OUTPUTS) {
        expect(await withoutHashLines(outputPath(result, name), RUN_LINES), name).toBe(await withoutHashLines(path.join(byHand.dir, name), RUN_LINES));
      }
      // Three query blocks in the report, the units progress counts.
      expect((await fs.readFile(outputPath(result, 'report.txt'), 'utf8')).split('\n').filter((l) => l === '//')).toHaveLength(3);
      const rows = await tableRows(path.join(byHand.dir, 'hits.tbl'));
      expect(rows.map((c) => c[2])).toEqual(['fn3', 'Pkinase']);
      expect(result.summary).toMatchObject({ query_profiles: 3, target_sequences: 1, hits: 2, queries_with_hits: 2 });
      const top = result.summary.top_hits as { query: string; domain_count: number }[];
      expect(top.map((t) => [t.query, t.domain_count])).toEqual([
        ['fn3', 9],
        ['Pkinase', 1],
      ]);
    } finally {
      await byHand.remove();
    }
  });

  it('passes evalue and domain_evalue as -E and --domE, keeping only the hits hmmsearch keeps by hand', async () => {
    const result = await runTool(h, 'hmmsearch', { profile, sequences, evalue: 1e-60, domain_evalue: 1e-60 });
    expect(result.command).toEqual([
      'hmmsearch', '-o', 'report.txt', '--tblout', 'hits.tbl', '--domtblout', 'domains.tbl', '--cpu', '1', '-E', '1e-60', '--domE', '1e-60', 'inputs/globins4.hmm', 'inputs/globins45.fa',
    ]);
    const byHand = await runByHand({ 'inputs/globins4.hmm': profile, 'inputs/globins45.fa': sequences }, byHandCommand(' -E 1e-60 --domE 1e-60'));
    try {
      const rows = await tableRows(path.join(byHand.dir, 'hits.tbl'));
      expect(await tableRows(outputPath(result, 'hits.tbl'))).toEqual(rows);
      expect(await tableRows(outputPath(result, 'domains.tbl'))).toEqual(await tableRows(path.join(byHand.dir, 'domains.tbl')));
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.length).toBeLessThan(45);
      expect(result.summary.hits).toBe(rows.length);
    } finally {
      await byHand.remove();
    }
  });

  it("uses Pfam's gathering cutoff with cutoff: gathering (--cut_ga)", async () => {
    const pkinase = path.join(FIXTURES, 'Pkinase.hmm');
    const seven = path.join(FIXTURES, '7LESS_DROME.fa');
    const result = await runTool(h, 'hmmsearch', { profile: pkinase, sequences: seven, cutoff: 'gathering' });
    expect(result.command).toEqual([
      'hmmsearch', '-o', 'report.txt', '--tblout', 'hits.tbl', '--domtblout', 'domains.tbl', '--cpu', '1', '--cut_ga', 'inputs/Pkinase.hmm', 'inputs/7LESS_DROME.fa',
    ]);
    const byHand = await runByHand(
      { 'inputs/Pkinase.hmm': pkinase, 'inputs/7LESS_DROME.fa': seven },
      'hmmsearch -o report.txt --tblout hits.tbl --domtblout domains.tbl --cpu 1 --cut_ga inputs/Pkinase.hmm inputs/7LESS_DROME.fa',
    );
    try {
      expect(await tableRows(outputPath(result, 'domains.tbl'))).toEqual(await tableRows(path.join(byHand.dir, 'domains.tbl')));
      expect(result.summary).toMatchObject({ hits: 1, domains: 1 });
    } finally {
      await byHand.remove();
    }
  });

  it('gives the same rows and report with two threads as with one', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2' } });
    try {
      const result = await runTool(two, 'hmmsearch', { profile, sequences });
      expect(result.command.slice(7, 9)).toEqual(['--cpu', '2']);
      for (const table of ['hits.tbl', 'domains.tbl']) {
        expect(await tableRows(outputPath(result, table)), table).toEqual(await tableRows(outputPath(first, table)));
      }
      // The report names the thread count only when it is not HMMER's default of 2.
      const withoutThreads = [...RUN_LINES, 'number of worker threads'];
      expect(await withoutHashLines(outputPath(result, 'report.txt'), withoutThreads)).toBe(await withoutHashLines(outputPath(first, 'report.txt'), withoutThreads));
      expect(result.summary).toEqual(first.summary);
    } finally {
      await two.close();
    }
  });
});

describe('hmmsearch_async on bad input', () => {
  it('refuses a profile cut short before hmmsearch runs (it would search nothing and exit 0), once, naming the field', async () => {
    const cut = path.join(h.inputsDir, 'cut.hmm');
    await fs.writeFile(cut, `${(await fs.readFile(path.join(FIXTURES, 'Pkinase.hmm'), 'utf8')).split('\n').slice(0, 60).join('\n')}\n`);
    const failed = await runToolToFailure(h, 'hmmsearch', { profile: cut, sequences });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'profile',
      message: 'profile: model 1 (Pkinase), begun at line 1, is cut short: the file ends before its "//" line',
    });
    await expectNoWorkLeft(h);
  });

  it('refuses DNA where protein sequences are needed (hmmsearch would search it as protein and exit 0)', async () => {
    const failed = await runToolToFailure(h, 'hmmsearch', { profile, sequences: path.join(FIXTURES, 'lambda_queries.fa') });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'sequences',
      message: 'sequences: record 1 (r1) looks like nucleotide, not protein: 100% of its letters are A, C, G, T, U or N',
    });
    await expectNoWorkLeft(h);
  });

  it('refuses an empty sequence file at submit', async () => {
    const empty = path.join(FIXTURES, 'bad', 'empty.fa');
    expect(await callError(h.client, 'hmmsearch_async', { profile, sequences: empty })).toBe(`input_invalid: sequences: "${empty}" is an empty file`);
  });

  it('refuses a profile that is not an HMM, and sequences given as the profile', async () => {
    const text = await runToolToFailure(h, 'hmmsearch', { profile: path.join(FIXTURES, 'bad', 'not_fasta.txt'), sequences });
    expect(text.error).toMatchObject({
      code: 'input_invalid',
      field: 'profile',
      message: 'profile: not an HMMER profile: line 1 should start with "HMMER3/" but reads "this is not a FASTA file"',
    });
    const swapped = await runToolToFailure(h, 'hmmsearch', { profile: sequences, sequences: profile });
    expect(swapped.error).toMatchObject({ code: 'input_invalid', field: 'profile', message: 'profile: is FASTA, but this needs an HMMER profile' });
    await expectNoWorkLeft(h);
  });

  it("blames the profile when cutoff needs lines its model lacks, quoting hmmsearch's own message", async () => {
    const failed = await runToolToFailure(h, 'hmmsearch', { profile, sequences, cutoff: 'gathering' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'profile',
      message:
        'profile: a model has no GA line, which cutoff "gathering" needs; leave cutoff unset to use E-value thresholds (hmmsearch: Error: GA bit thresholds unavailable on model globins4)',
    });
    await expectNoWorkLeft(h);
  });

  it('refuses cutoff together with an E-value threshold at submit (hmmsearch would only print its usage)', async () => {
    const text = await callError(h.client, 'hmmsearch_async', { profile, sequences, cutoff: 'gathering', evalue: 0.01 });
    expect(text).toBe(
      "MCP error -32602: Input validation error: Invalid arguments for tool hmmsearch_async: cutoff sets every threshold from the models' own cutoff lines, so it cannot be combined with evalue or domain_evalue; leave those unset at cutoff",
    );
  });
});
