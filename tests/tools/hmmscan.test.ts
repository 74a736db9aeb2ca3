// hmmscan through the MCP server on the fixtures (7LESS_DROME against the three fixture models
// pressed together as minipfam.hmm), against the same commands typed by hand: `cat … >
// minipfam.hmm && hmmpress minipfam.hmm && hmmscan … minipfam.hmm inputs/7LESS_DROME.fa`.
//  - hits.tbl and domains.tbl: identical but for their "# Current dir:", "# Date:", "# Target
//    file:" and "# Option settings:" lines (the job's library is the pressed copy in the index
//    cache, so it has another path; the command line is checked to be the job's own);
//  - report.txt: identical but for "# target HMM database:" (that path again) and the "# CPU
//    time:" and "# Mc/sec:" line closing each query.
// The same library put in the databases folder and named instead of given as a file is pressed
// there once and gives the same rows. Two worker threads (--cpu 2) give the same rows; progress
// counts the report's query blocks; the summary is checked against the hand run's tables.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { callError, callOk, FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { hashLine, RUN_LINES, tableRows, topHitsOf, withoutHashLines } from '../support/hmmer-outputs.js';
import { expectNoWorkLeft, outputPath, runTool, runToolToFailure, type ToolResult } from '../support/tool-jobs.js';

const MODELS = ['globins4.hmm', 'fn3.hmm', 'Pkinase.hmm'];
const seven = path.join(FIXTURES, '7LESS_DROME.fa');
const globins = path.join(FIXTURES, 'globins45.fa');
const PRESSED = ['h3f', 'h3i', 'h3m', 'h3p'];
const TABLE_PATHS = [...RUN_LINES, 'Target file', 'Option settings'];
const REPORT_PATHS = [...RUN_LINES, 'target HMM database'];

let h: Harness;
let hand: ByHand;
let library: string;
let minipfam: string;
let sha256: string;
let first: ToolResult;

const cached = () => path.join(h.config.dbDir, 'indexes', sha256);
const scanByHand = (sequences: string) =>
  `hmmscan -o report.txt --tblout hits.tbl --domtblout domains.tbl --cpu 1 minipfam.hmm inputs/${path.basename(sequences)}`;

async function sizeOf(files: string[]): Promise<number> {
  let size = 0;
  for (const file of files) size += (await fs.stat(file)).size;
  return size;
}

beforeAll(async () => {
  h = await startHarness();
  library = (await Promise.all(MODELS.map((f) => fs.readFile(path.join(FIXTURES, f), 'utf8')))).join('');
  sha256 = createHash('sha256').update(library).digest('hex');
  minipfam = path.join(h.inputsDir, 'minipfam.hmm');
  await fs.writeFile(minipfam, library);
  hand = await runByHand(
    Object.fromEntries([...MODELS.map((f) => [f, path.join(FIXTURES, f)]), ['inputs/7LESS_DROME.fa', seven]]),
    ['cat globins4.hmm fn3.hmm Pkinase.hmm > minipfam.hmm', 'hmmpress minipfam.hmm', scanByHand(seven)].join('\n'),
  );
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

describe('hmmscan_async', () => {
  it('finds 9 fn3 domains and the kinase domain of 7LESS_DROME, as hmmscan does by hand', async () => {
    first = await runTool(h, 'hmmscan', { sequences: seven, profiles: minipfam });
    const pressed = path.join(cached(), 'profiles.hmm');
    expect(first.steps).toEqual([
      {
        label: 'scanning',
        pipeline: [['hmmscan', '-o', 'report.txt', '--tblout', 'hits.tbl', '--domtblout', 'domains.tbl', '--cpu', '1', pressed, 'inputs/7LESS_DROME.fa']],
        stdout: null,
      },
    ]);
    expect(first.command).toEqual(first.steps[0]!.pipeline[0]);
    expect(first.tool_version).toBe('hmmscan 3.3.2, hmmpress 3.3.2');
    expect(first.files.map((f) => [f.name, f.media_type])).toEqual(['report.txt', 'hits.tbl', 'domains.tbl'].map((name) => [name, 'text/plain']));

    for (const table of ['hits.tbl', 'domains.tbl']) {
      expect(await withoutHashLines(outputPath(first, table), TABLE_PATHS), table).toBe(await withoutHashLines(path.join(hand.dir, table), TABLE_PATHS));
      expect(await hashLine(outputPath(first, table), 'Option settings')).toBe(`# Option settings: ${first.command.join(' ')} `);
      expect(await hashLine(outputPath(first, table), 'Target file')).toBe(`# Target file:     ${pressed}`);
    }
    expect(await withoutHashLines(outputPath(first, 'report.txt'), REPORT_PATHS)).toBe(await withoutHashLines(path.join(hand.dir, 'report.txt'), REPORT_PATHS));

    // What the fixtures' README promises: fn3 9 domains, Pkinase 1 (ali 2210-2479).
    const domains = await tableRows(outputPath(first, 'domains.tbl'));
    expect(domains.filter((c) => c[0] === 'fn3')).toHaveLength(9);
    expect(domains.filter((c) => c[0] === 'Pkinase').map((c) => [c[17], c[18]])).toEqual([['2210', '2479']]);
  });

  it("summarises with the numbers of the hand run's tables", async () => {
    const hits = await tableRows(path.join(hand.dir, 'hits.tbl'));
    const domains = await tableRows(path.join(hand.dir, 'domains.tbl'));
    expect(first.summary).toEqual({ query_sequences: 1, profile_models: 3, hits: 2, domains: 10, queries_with_hits: 1, top_hits: topHitsOf(hits, domains) });
    const top = first.summary.top_hits as { target: string; target_accession: string; description: string; domain_count: number; domains: { seq_from: number; seq_to: number }[] }[];
    expect(top.map((t) => [t.target, t.target_accession, t.description, t.domain_count])).toEqual([
      ['fn3', 'PF00041.13', 'Fibronectin type III domain', 9],
      ['Pkinase', 'PF00069.17', 'Protein kinase domain', 1],
    ]);
    expect(top[1]!.domains).toEqual([{ i_evalue: 1.7e-43, score: 136.5, hmm_from: 2, hmm_to: 256, seq_from: 2210, seq_to: 2479 }]);
  });

  it('presses the library once per content: the first job built the index, the next reuses it', async () => {
    expect(first.indexes).toEqual([{ input: 'profiles', kind: 'hmmpress', variant: null, sha256, reused: false, build_seconds: expect.any(Number) }]);
    const second = await runTool(h, 'hmmscan', { sequences: path.join(FIXTURES, 'hbb_human.fa'), profiles: minipfam });
    expect(second.indexes).toEqual([{ input: 'profiles', kind: 'hmmpress', variant: null, sha256, reused: true, build_seconds: null }]);
    expect((await fs.readdir(cached())).sort()).toEqual(['hmmpress.index.json', 'profiles.hmm', ...PRESSED.map((ext) => `profiles.hmm.${ext}`)]);
    expect(second.summary).toMatchObject({ hits: 1, top_hits: [expect.objectContaining({ query: 'HBB_HUMAN', target: 'globins4', domain_count: 1 })] });
    const listed = await callOk<{ databases: unknown[]; indexes: unknown[] }>(h.client, 'list_databases');
    expect(listed.indexes).toEqual([
      {
        kind: 'hmmpress',
        variant: null,
        source_name: 'minipfam.hmm',
        sha256,
        size_bytes: await sizeOf(PRESSED.map((ext) => path.join(cached(), `profiles.hmm.${ext}`))),
        built_at: expect.any(String),
      },
    ]);
  });

  it('scans a library put in the databases folder, by name: pressed there on first use, listed by list_databases', async () => {
    await fs.writeFile(path.join(h.config.dbDir, 'minipfam.hmm'), library);
    const before = await callOk<{ databases: unknown[] }>(h.client, 'list_databases');
    expect(before.databases).toEqual([{ name: 'minipfam', kind: 'hmm', title: 'HMM profile library', size_bytes: library.length }]);

    const byName = await runTool(h, 'hmmscan', { sequences: seven, profiles: 'minipfam' });
    expect(byName.command).toEqual(['hmmscan', '-o', 'report.txt', '--tblout', 'hits.tbl', '--domtblout', 'domains.tbl', '--cpu', '1', path.join(h.config.dbDir, 'minipfam.hmm'), 'inputs/7LESS_DROME.fa']);
    expect(byName.indexes).toEqual([{ input: 'profiles', kind: 'hmmpress', variant: null, sha256: '', reused: false, build_seconds: expect.any(Number) }]);
    for (const table of ['hits.tbl', 'domains.tbl']) expect(await tableRows(outputPath(byName, table)), table).toEqual(await tableRows(path.join(hand.dir, table)));
    // Models are not counted from a library, which no job reads; the rest is the file's summary.
    expect(byName.summary).toEqual({ ...first.summary, profile_models: null });

    const pressed = PRESSED.map((ext) => path.join(h.config.dbDir, `minipfam.hmm.${ext}`));
    const after = await callOk<{ databases: unknown[]; indexes: { source_name: string }[] }>(h.client, 'list_databases');
    expect(after.databases).toEqual([{ name: 'minipfam', kind: 'hmm', title: 'HMM profile library', size_bytes: library.length + (await sizeOf(pressed)) }]);
    expect(after.indexes.find((i) => i.source_name === 'minipfam')).toEqual({
      kind: 'hmmpress',
      variant: null,
      source_name: 'minipfam',
      sha256: null,
      size_bytes: await sizeOf(pressed),
      built_at: expect.any(String),
    });
    expect(after.indexes).toHaveLength(2);

    const again = await runTool(h, 'hmmscan', { sequences: seven, profiles: 'minipfam' });
    expect(again.indexes).toEqual([{ input: 'profiles', kind: 'hmmpress', variant: null, sha256: '', reused: true, build_seconds: null }]);
  });

  it('reports progress from the report it writes, query sequence by query sequence', async () => {
    // 6,750 globins (globins45 150 times, renamed): a few seconds of hmmscan even on a quiet
    // machine (2,700 took one there, too short to be sampled twice), so progress is seen move.
    const text = await fs.readFile(globins, 'utf8');
    const many = path.join(h.inputsDir, 'globins6750.fa');
    await fs.writeFile(many, Array.from({ length: 150 }, (_, i) => text.replace(/^>(\S+)/gm, `>$1_${i + 1}`)).join(''));
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'hmmscan_async', { sequences: many, profiles: minipfam });
    const seen: number[] = [];
    let status: { status: string; progress: { message: string } };
    do {
      status = await callOk(h.client, 'get_job_status', { job_id });
      const done = /^(\d+) of 6750 query sequences done$/.exec(status.progress.message);
      if (status.status === 'running' && done && Number(done[1]) !== seen.at(-1)) seen.push(Number(done[1]));
      await new Promise((r) => setTimeout(r, 100));
    } while (status.status === 'queued' || status.status === 'running');
    expect(status.status).toBe('completed');
    expect(seen.filter((n) => n > 0 && n < 6750).length, `progress seen: ${seen.join(', ')}`).toBeGreaterThanOrEqual(2);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    // A few seconds of hmmscan when quiet; on two cores shared with a loaded run it took over 60.
  }, 180_000);

  it('gives the same rows with two threads as with one', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2' } });
    try {
      const own = path.join(two.inputsDir, 'minipfam.hmm');
      await fs.writeFile(own, library);
      const result = await runTool(two, 'hmmscan', { sequences: seven, profiles: own });
      expect(result.command.slice(7, 9)).toEqual(['--cpu', '2']);
      for (const table of ['hits.tbl', 'domains.tbl']) {
        expect(await tableRows(outputPath(result, table)), table).toEqual(await tableRows(outputPath(first, table)));
      }
      const withoutThreads = [...REPORT_PATHS, 'number of worker threads'];
      expect(await withoutHashLines(outputPath(result, 'report.txt'), withoutThreads)).toBe(await withoutHashLines(outputPath(first, 'report.txt'), withoutThreads));
      expect(result.summary).toEqual(first.summary);
    } finally {
      await two.close();
    }
  });
});

describe('hmmscan_async on bad input', () => {
  it('refuses a library name that is not in the databases folder', async () => {
    const failed = await runToolToFailure(h, 'hmmscan', { sequences: seven, profiles: 'nopfam' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'profiles', message: 'profiles: no HMM profile library "nopfam"; list_databases shows what exists' });
    await expectNoWorkLeft(h);
  });

  it('refuses a profile cut short, given as a file or put in the databases folder, before pressing it (hmmpress would press the models before the cut)', async () => {
    // globins4 whole, then fn3 cut after 30 of its lines.
    const globins4 = await fs.readFile(path.join(FIXTURES, 'globins4.hmm'), 'utf8');
    const fn3 = await fs.readFile(path.join(FIXTURES, 'fn3.hmm'), 'utf8');
    const cutText = `${globins4}${fn3.split('\n').slice(0, 30).join('\n')}\n`;
    const reason = `model 2 (fn3), begun at line ${globins4.split('\n').length}, is cut short: the file ends before its "//" line`;
    const cutFile = path.join(h.inputsDir, 'cutpfam.hmm');
    await fs.writeFile(cutFile, cutText);
    const asFile = await runToolToFailure(h, 'hmmscan', { sequences: seven, profiles: cutFile });
    expect(asFile.attempts).toBe(1);
    expect(asFile.error).toMatchObject({ code: 'input_invalid', field: 'profiles', message: `profiles: ${reason}` });

    await fs.writeFile(path.join(h.config.dbDir, 'cutpfam.hmm'), cutText);
    const asLibrary = await runToolToFailure(h, 'hmmscan', { sequences: seven, profiles: 'cutpfam' });
    expect(asLibrary.attempts).toBe(1);
    expect(asLibrary.error).toMatchObject({
      code: 'input_invalid',
      field: 'profiles',
      message: `profiles: the HMM profile library "cutpfam" in the databases folder: ${reason}`,
    });
    expect((await fs.readdir(h.config.dbDir)).filter((f) => f.startsWith('cutpfam') || f.startsWith('.cutpfam') || f.startsWith('.build'))).toEqual(['cutpfam.hmm']);
    await expectNoWorkLeft(h);
  });

  it('refuses DNA where protein sequences are needed (hmmscan would scan it as protein and exit 0)', async () => {
    const failed = await runToolToFailure(h, 'hmmscan', { sequences: path.join(FIXTURES, 'lambda_virus.fa'), profiles: minipfam });
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'sequences',
      message: 'sequences: record 1 (gi|9626243|ref|NC_001416.1|) looks like nucleotide, not protein: 100% of its letters are A, C, G, T, U or N',
    });
    await expectNoWorkLeft(h);
  });

  it('refuses reads (FASTQ) and a file that is not an HMM as profiles', async () => {
    const reads = await runToolToFailure(h, 'hmmscan', { sequences: path.join(FIXTURES, 'bad', 'truncated.fq'), profiles: minipfam });
    expect(reads.error).toMatchObject({ code: 'input_invalid', field: 'sequences', message: 'sequences: is FASTQ, but this needs FASTA' });
    const text = await runToolToFailure(h, 'hmmscan', { sequences: seven, profiles: path.join(FIXTURES, 'bad', 'not_fasta.txt') });
    expect(text.error).toMatchObject({
      code: 'input_invalid',
      field: 'profiles',
      message: 'profiles: not an HMMER profile: line 1 should start with "HMMER3/" but reads "this is not a FASTA file"',
    });
    await expectNoWorkLeft(h);
  });

  it('refuses an empty sequence file at submit, and sequences given as the profiles', async () => {
    const empty = path.join(FIXTURES, 'bad', 'empty.fa');
    expect(await callError(h.client, 'hmmscan_async', { sequences: empty, profiles: minipfam })).toBe(`input_invalid: sequences: "${empty}" is an empty file`);
    const swapped = await runToolToFailure(h, 'hmmscan', { sequences: seven, profiles: seven });
    expect(swapped.error).toMatchObject({ code: 'input_invalid', field: 'profiles', message: 'profiles: is FASTA, but this needs an HMMER profile' });
    await expectNoWorkLeft(h);
  });

  it("blames the profiles when cutoff needs lines a model lacks, quoting hmmscan's own message", async () => {
    const failed = await runToolToFailure(h, 'hmmscan', { sequences: path.join(FIXTURES, 'hbb_human.fa'), profiles: minipfam, cutoff: 'gathering' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'profiles',
      message:
        'profiles: a model has no GA line, which cutoff "gathering" needs; leave cutoff unset to use E-value thresholds (hmmscan: Error: GA bit thresholds unavailable on model globins4)',
    });
    await expectNoWorkLeft(h);
  });
});
