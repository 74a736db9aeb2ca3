// Split-query search proven by hand on real BLAST+ and DIAMOND: for every program and output
// format the catalog offers (and BLAST's -outfmt 7), the query is split with splitQuery, the same
// command is run on each part, and mergeSearchOutputs must give the unsplit run's output: the
// same bytes for tabular, the same document (parsed and compared) for JSON and XML.
//
// The fixtures hold no DNA coding for a protein of globins45.fa, so some is made here: each
// globin back-translated with one fixed codon per amino acid (synthetic coding sequences, not
// the real genes). They are the queries of blastx and tblastx and the database of tblastn and
// tblastx. Every query set mixes queries with hits and queries without, so some parts have none.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mergeSearchOutputs, type MergeFormat } from '../../worker/merge-search-outputs.js';
import { splitQuery } from '../../worker/split-query.js';
import { FIXTURES } from '../support/harness.js';

// One codon of the standard genetic code per amino acid.
const CODON: Record<string, string> = {
  A: 'GCT', R: 'CGT', N: 'AAC', D: 'GAC', C: 'TGC', Q: 'CAG', E: 'GAA', G: 'GGT', H: 'CAC', I: 'ATC',
  L: 'CTG', K: 'AAA', M: 'ATG', F: 'TTC', P: 'CCG', S: 'TCT', T: 'ACC', W: 'TGG', Y: 'TAC', V: 'GTT',
};

const BLAST_FORMATS: { format: MergeFormat; outfmt: string }[] = [
  { format: 'tabular', outfmt: '6' },
  { format: 'tabular-commented', outfmt: '7' },
  { format: 'json', outfmt: '15' },
  { format: 'xml', outfmt: '5' },
];

// Up to 11 BLAST runs a test on a shared 2-core machine.
vi.setConfig({ testTimeout: 180_000 });

let dir: string;
const q = (name: string) => path.join(dir, name);

interface FastaRecord {
  header: string;
  seq: string;
}

async function readFasta(file: string): Promise<FastaRecord[]> {
  const records: FastaRecord[] = [];
  for (const line of (await fs.readFile(file, 'utf8')).split('\n')) {
    if (line.startsWith('>')) records.push({ header: line, seq: '' });
    else if (records.length > 0) records.at(-1)!.seq += line.trim();
  }
  return records;
}

const wrap = (seq: string) => seq.match(/.{1,60}/g)!.join('\n');
const toFasta = (records: FastaRecord[]) => records.map((r) => `${r.header}\n${wrap(r.seq)}\n`).join('');

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-split-merge-'));
  const globins = await readFasta(path.join(FIXTURES, 'globins45.fa'));
  const lambdaQueries = await readFasta(path.join(FIXTURES, 'lambda_queries.fa'));
  const sevenless = await readFasta(path.join(FIXTURES, '7LESS_DROME.fa'));
  const hbb = await readFasta(path.join(FIXTURES, 'hbb_human.fa'));
  const cds = globins.map((g) => ({ header: `>${g.header.slice(1).split(/\s/)[0]}_cds back-translated`, seq: [...g.seq].map((aa) => CODON[aa] ?? 'NNN').join('') }));
  await fs.writeFile(q('globins_cds.fa'), toFasta(cds));
  // Nucleotide queries: lambda reads with two coding sequences (no hit in lambda) among them, and
  // the same id twice (BLAST numbers queries by position, Query_N, whatever their ids).
  await fs.writeFile(q('nucl_queries.fa'), toFasta([...lambdaQueries.slice(0, 8), cds[0]!, cds[1]!, ...lambdaQueries.slice(8, 12), { ...lambdaQueries[0]!, header: '>r1 again' }]));
  // Protein queries: globins, sevenless (a kinase, with weak hits at BLAST's E-value 10) and a
  // low-complexity one masked whole (no hit, and BLAST warns it cannot compute its statistics).
  const lowComplexity = { header: '>low_complexity masked whole', seq: `${'P'.repeat(20)}${'G'.repeat(15)}${'S'.repeat(17)}` };
  await fs.writeFile(q('prot_queries.fa'), toFasta([...globins.slice(0, 4), sevenless[0]!, lowComplexity, ...globins.slice(20, 23), hbb[0]!]));
  // Coding queries for blastx/tblastx: globin CDS, lambda reads (no globin in them) and poly-A.
  const polyA = { header: '>poly_a', seq: 'A'.repeat(90) };
  await fs.writeFile(q('cds_queries.fa'), toFasta([cds[2]!, lambdaQueries[0]!, lambdaQueries[1]!, cds[10]!, polyA, cds[30]!, lambdaQueries[2]!]));
  const makedb = (input: string, type: string, out: string) => execa('makeblastdb', ['-in', input, '-dbtype', type, '-out', out], { cwd: dir });
  await Promise.all([
    makedb(path.join(FIXTURES, 'lambda_virus.fa'), 'nucl', 'lambda'),
    makedb(path.join(FIXTURES, 'globins45.fa'), 'prot', 'globins'),
    makedb(q('globins_cds.fa'), 'nucl', 'globins_cds'),
    execa('diamond', ['makedb', '--in', path.join(FIXTURES, 'globins45.fa'), '-d', 'globins', '--quiet'], { cwd: dir }),
  ]);
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

// The same argv on the whole query and on each part (one thread: the parts are what run in parallel).
type Command = (query: string, out: string) => [string, ...string[]];

// Tests share the unsplit run of a command (and a part's run, when two splits cut the same part):
// the same argv on the same query bytes writes the same output, so running it again proves
// nothing more; it was 64 of this file's 425 tool runs. Each test still checks its own split
// and merge. Outputs are only read after they are written.
const runs = new Map<string, Promise<string>>();

function run(command: Command, query: string, out: string): Promise<string> {
  return queryDigest(query).then((digest) => {
    const key = `${command('<query>', '<out>').join('\0')}\0${digest}`;
    let output = runs.get(key);
    if (!output) {
      const [bin, ...args] = command(query, out);
      output = execa(bin, args, { cwd: dir, env: { BLASTDB: dir } }).then(() => out);
      runs.set(key, output);
    }
    return output;
  });
}

async function queryDigest(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

/** Runs fn on every item, two at a time (the tool runs are single-threaded), keeping their order. */
async function twoAtATime<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all([lane(), lane()]);
  return results;
}

interface SplitRun {
  unsplit: string;
  parts: string[];
  merged: string;
}

let splits = 0;
async function splitAndMerge(command: Command, query: string, split: number, format: MergeFormat): Promise<SplitRun> {
  const id = `run${++splits}`;
  const queryParts = await splitQuery(query, q(`${id}.parts`), { parts: split });
  const jobs = [{ query, out: q(`${id}.unsplit`) }, ...queryParts.map((part) => ({ query: part.path, out: `${part.path}.out` }))];
  const [unsplit, ...parts] = await twoAtATime(jobs, (job) => run(command, job.query, job.out));
  const merged = q(`${id}.merged`);
  await mergeSearchOutputs(format, parts, merged);
  return { unsplit: unsplit!, parts, merged };
}

// ---- parsed comparison for XML and JSON: every query, hit and HSP with all their fields ----

// BLAST's XML, one element per line: the iterations as nested records of every leaf element.
function parseBlastXml(text: string): { header: Record<string, string>; iterations: unknown[] } {
  expect(text.startsWith('<?xml version="1.0"?>\n')).toBe(true);
  expect(text.trimEnd().endsWith('</BlastOutput>')).toBe(true);
  const header: Record<string, string> = {};
  const iterations: { fields: Record<string, string>; hits: { fields: Record<string, string>; hsps: Record<string, string>[] }[] }[] = [];
  const open: string[] = [];
  for (const line of text.split('\n')) {
    const leaf = /^\s*<([A-Za-z_-]+)>([^<]*)<\/\1>$/.exec(line);
    const start = /^\s*<([A-Za-z_-]+)>$/.exec(line);
    const end = /^\s*<\/([A-Za-z_-]+)>$/.exec(line);
    if (start) {
      open.push(start[1]!);
      if (start[1] === 'Iteration') iterations.push({ fields: {}, hits: [] });
      else if (start[1] === 'Hit') iterations.at(-1)!.hits.push({ fields: {}, hsps: [] });
      else if (start[1] === 'Hsp') iterations.at(-1)!.hits.at(-1)!.hsps.push({});
    } else if (end) {
      // Well-formed: every element closes the one opened last.
      expect(open.pop()).toBe(end[1]);
    } else if (leaf) {
      const [, tag, value] = leaf;
      if (tag!.startsWith('Hsp_')) iterations.at(-1)!.hits.at(-1)!.hsps.at(-1)![tag!] = value!;
      else if (tag!.startsWith('Hit_')) iterations.at(-1)!.hits.at(-1)!.fields[tag!] = value!;
      else if (open.includes('Iteration')) iterations.at(-1)!.fields[tag!] = value!;
      else header[tag!] = value!;
    }
  }
  expect(open).toEqual([]);
  return { header, iterations };
}

// A query BLAST cannot compute ungapped Karlin-Altschul statistics for (wholly masked, like
// poly-A in blastx) is reported differently when no query of its run has statistics: alone in a
// part, its message carries the warning, and in JSON its report lacks "query_masking" and the
// empty "hits"; among others (unsplit) it says just "No hits found". Its hits are the same
// (none), its statistics (-1) too: that query's report is the one place where a split run differs.
const STATISTICS_WARNING = /Query_\d+ [^<"]*Could not calculate ungapped Karlin-Altschul parameters[^<"]*No hits found( \\u000ANo hits found)?/g;

function withoutStatisticsWarnings(text: string): string {
  return text.replace(STATISTICS_WARNING, 'No hits found');
}

interface JsonSearch {
  stat?: { kappa?: number };
  hits?: unknown[];
  query_masking?: unknown;
  message?: string;
}

// The JSON reports with what a query without statistics may lack left out.
function normalizedJson(text: string): unknown {
  const doc = JSON.parse(withoutStatisticsWarnings(text)) as { BlastOutput2: { report: { results: { search: JsonSearch } } }[] };
  for (const { report } of doc.BlastOutput2) {
    const search = report.results.search;
    if (search.stat?.kappa === -1 && (search.hits ?? []).length === 0) {
      delete search.query_masking;
      delete search.hits;
    }
  }
  return doc;
}

async function expectSameDocument(format: MergeFormat, merged: string, unsplit: string): Promise<void> {
  const [m, u] = [await fs.readFile(merged, 'utf8'), await fs.readFile(unsplit, 'utf8')];
  if (format === 'json') expect(normalizedJson(m)).toEqual(normalizedJson(u));
  else expect(parseBlastXml(withoutStatisticsWarnings(m))).toEqual(parseBlastXml(withoutStatisticsWarnings(u)));
}

async function expectSameOutput(format: MergeFormat, { merged, unsplit }: SplitRun): Promise<void> {
  const [m, u] = [await fs.readFile(merged, 'latin1'), await fs.readFile(unsplit, 'latin1')];
  expect(u.length).toBeGreaterThan(0);
  if (format === 'json' || format === 'xml') await expectSameDocument(format, merged, unsplit);
  // BLAST+ 2.12.0 writes every format the same for a query whether it runs alone or among
  // others, so the merged documents are the unsplit bytes too, but for a query without statistics.
  if (format === 'json' && u.includes('"kappa": -1')) return;
  expect(withoutStatisticsWarnings(m) === withoutStatisticsWarnings(u), `${format}: merged bytes differ from the unsplit run`).toBe(true);
}

const blast =
  (program: string, db: string, extra: string[] = []): ((outfmt: string) => Command) =>
  (outfmt) =>
  (query, out) => [program, '-query', query, '-db', db, '-outfmt', outfmt, '-out', out, '-num_threads', '1', ...extra];

const PROGRAMS = [
  { name: 'blastn (megablast)', query: 'nucl_queries.fa', records: 15, command: blast('blastn', 'lambda') },
  { name: 'blastn -task blastn, -max_target_seqs 1, -evalue 1e-5', query: 'nucl_queries.fa', records: 15, command: blast('blastn', 'lambda', ['-task', 'blastn', '-max_target_seqs', '1', '-evalue', '1e-5']) },
  { name: 'blastp', query: 'prot_queries.fa', records: 10, command: blast('blastp', 'globins') },
  { name: 'blastp -max_target_seqs 3', query: 'prot_queries.fa', records: 10, command: blast('blastp', 'globins', ['-max_target_seqs', '3']) },
  { name: 'blastx', query: 'cds_queries.fa', records: 7, command: blast('blastx', 'globins') },
  { name: 'tblastn', query: 'prot_queries.fa', records: 10, command: blast('tblastn', 'globins_cds') },
  { name: 'tblastx', query: 'cds_queries.fa', records: 7, command: blast('tblastx', 'globins_cds', ['-max_target_seqs', '5']) },
];

describe.each(PROGRAMS)('$name', ({ query, records, command }) => {
  it.each(BLAST_FORMATS)('split in 2 and merged: $format is the unsplit output', async ({ format, outfmt }) => {
    await expectSameOutput(format, await splitAndMerge(command(outfmt), q(query), 2, format));
  });

  it.each(BLAST_FORMATS.filter((f) => f.format !== 'tabular-commented'))(
    'one part per query (more parts asked than queries; some parts without hits): $format is the unsplit output',
    async ({ format, outfmt }) => {
      const result = await splitAndMerge(command(outfmt), q(query), records + 5, format);
      expect(result.parts).toHaveLength(records);
      if (format === 'tabular') {
        const sizes = await Promise.all(result.parts.map(async (p) => (await fs.stat(p)).size));
        expect(sizes.filter((s) => s === 0).length, 'a part whose queries have no hits').toBeGreaterThan(0);
      }
      await expectSameOutput(format, result);
    },
  );
});

describe('one sequence, split "auto"', () => {
  it.each(BLAST_FORMATS)('blastp of hbb_human.fa: $format is the unsplit output', async ({ format, outfmt }) => {
    const result = await splitAndMerge(blast('blastp', 'globins')(outfmt), path.join(FIXTURES, 'hbb_human.fa'), 1, format);
    expect(result.parts).toHaveLength(1);
    await expectSameOutput(format, result);
  });
});

const diamond =
  (program: string, extra: string[] = []): Command =>
  (query, out) => ['diamond', program, '--query', query, '--db', 'globins.dmnd', '--out', out, '--outfmt', '6', '--threads', '1', '--tmpdir', dir, '--quiet', ...extra];

describe.each([
  { name: 'diamond blastp', query: 'prot_queries.fa', records: 10, command: diamond('blastp') },
  { name: 'diamond blastp --sensitive --max-target-seqs 3', query: 'prot_queries.fa', records: 10, command: diamond('blastp', ['--sensitive', '--max-target-seqs', '3']) },
  { name: 'diamond blastx', query: 'cds_queries.fa', records: 7, command: diamond('blastx') },
])('$name', ({ query, records, command }) => {
  it.each([2, records])('split in %i parts and merged: tabular is the unsplit bytes', async (split) => {
    const result = await splitAndMerge(command, q(query), split, 'tabular');
    expect(result.parts).toHaveLength(split);
    await expectSameOutput('tabular', result);
  });
});

describe('the comparison can fail', () => {
  it.each(BLAST_FORMATS)('$format parts merged in reverse order are not the unsplit output', async ({ format, outfmt }) => {
    const result = await splitAndMerge(blast('blastp', 'globins')(outfmt), q('prot_queries.fa'), 3, format);
    const reversed = q(`reversed.${format}`);
    await mergeSearchOutputs(format, [...result.parts].reverse(), reversed);
    await expect(expectSameOutput(format, { ...result, merged: reversed })).rejects.toThrow();
    if (format === 'json' || format === 'xml') await expect(expectSameDocument(format, reversed, result.unsplit)).rejects.toThrow();
  });
});

describe('mergeSearchOutputs', () => {
  it('renumbers XML iterations and JSON query ids across parts, and sums -outfmt 7 query counts', async () => {
    const result = await splitAndMerge(blast('blastn', 'lambda')('5'), q('nucl_queries.fa'), 3, 'xml');
    const merged = await fs.readFile(result.merged, 'utf8');
    expect([...merged.matchAll(/<Iteration_iter-num>(\d+)</g)].map((m) => Number(m[1]))).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect([...merged.matchAll(/<Iteration_query-ID>(Query_\d+)</g)].map((m) => m[1])).toEqual(Array.from({ length: 15 }, (_, i) => `Query_${i + 1}`));
    const json = await splitAndMerge(blast('blastn', 'lambda')('15'), q('nucl_queries.fa'), 3, 'json');
    const reports = (JSON.parse(await fs.readFile(json.merged, 'utf8')) as { BlastOutput2: { report: { results: { search: { query_id: string; query_title: string } } } }[] }).BlastOutput2;
    expect(reports.map((r) => r.report.results.search.query_id)).toEqual(Array.from({ length: 15 }, (_, i) => `Query_${i + 1}`));
    expect(reports.at(-1)!.report.results.search.query_title).toBe('r1 again');
    const commented = await splitAndMerge(blast('blastn', 'lambda')('7'), q('nucl_queries.fa'), 3, 'tabular-commented');
    expect((await fs.readFile(commented.merged, 'utf8')).trimEnd().split('\n').at(-1)).toBe('# BLAST processed 15 queries');
  });

  it('renumbers the query a warning names: a query without statistics, alone in its part, is warned about as in the whole run', async () => {
    const xml = await splitAndMerge(blast('blastx', 'globins')('5'), q('cds_queries.fa'), 7, 'xml');
    const merged = await fs.readFile(xml.merged, 'utf8');
    expect(merged).toContain('<Iteration_message>Query_5 poly_a:  Query_5 poly_a: Could not calculate ungapped Karlin-Altschul parameters');
    // The unsplit run has statistics from the other queries and does not warn.
    expect(await fs.readFile(xml.unsplit, 'utf8')).not.toContain('Karlin-Altschul');
    const json = await splitAndMerge(blast('blastx', 'globins')('15'), q('cds_queries.fa'), 7, 'json');
    expect(await fs.readFile(json.merged, 'utf8')).toContain('"message": "Query_5 poly_a:  Query_5 poly_a: Could not calculate');
  });

  it('refuses a part cut off while being written', async () => {
    const result = await splitAndMerge(blast('blastp', 'globins')('5'), q('prot_queries.fa'), 2, 'xml');
    const cut = q('cut.xml');
    const text = await fs.readFile(result.parts[1]!, 'utf8');
    await fs.writeFile(cut, text.slice(0, text.length / 2));
    await expect(mergeSearchOutputs('xml', [result.parts[0]!, cut], q('cut-merged.xml'))).rejects.toThrow(`${cut}: not a complete BLAST xml document (its end is missing)`);
    await expect(fs.stat(q('cut-merged.xml')), 'no half-merged output is left').rejects.toThrow('ENOENT');
  });
});
