// diamond_blastx through the MCP server against the same commands typed by hand (`diamond makedb
// --in globins45.fa -d g`, then `diamond blastx -q <query> -d g.dmnd`): hits.tsv is the same
// bytes. The fixtures hold no DNA that codes for a globin, so the query is made here: HBB_HUMAN
// back-translated with one fixed codon per amino acid (a synthetic coding sequence, not the real
// HBB gene), plus its reverse complement, and 100-bp reads tiled over both strands as gzipped
// FASTQ. Translated, it is HBB_HUMAN again, so it finds what diamond blastp finds for the protein.
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { expectNoWorkLeft, outputPath, runTool, runToolToFailure, type ToolResult } from '../support/tool-jobs.js';

const globins = path.join(FIXTURES, 'globins45.fa');
const hbb = path.join(FIXTURES, 'hbb_human.fa');

// One codon of the standard genetic code per amino acid.
const CODON: Record<string, string> = {
  A: 'GCT', R: 'CGT', N: 'AAC', D: 'GAC', C: 'TGC', Q: 'CAG', E: 'GAA', G: 'GGT', H: 'CAC', I: 'ATC',
  L: 'CTG', K: 'AAA', M: 'ATG', F: 'TTC', P: 'CCG', S: 'TCT', T: 'ACC', W: 'TGG', Y: 'TAC', V: 'GTT',
};
const COMPLEMENT: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A' };
const reverseComplement = (dna: string) => [...dna].reverse().map((b) => COMPLEMENT[b]).join('');
const wrap = (seq: string) => seq.match(/.{1,60}/g)!.join('\n');

let h: Harness;
let hand: ByHand;
let cdsFasta: string;
let readsFastq: string;
let cdsLength: number;

beforeAll(async () => {
  h = await startHarness();
  const protein = (await fs.readFile(hbb, 'utf8')).split('\n').slice(1).join('').trim();
  const cds = [...protein].map((aa) => CODON[aa]).join('');
  cdsLength = cds.length;
  cdsFasta = path.join(h.inputsDir, 'hbb_cds.fa');
  await fs.writeFile(cdsFasta, `>HBB_HUMAN_cds HBB_HUMAN back-translated\n${wrap(cds)}\n>HBB_HUMAN_rc its reverse complement\n${wrap(reverseComplement(cds))}\n`);
  const reads: string[] = [];
  for (let start = 0; start + 100 <= cds.length; start += 40) {
    const read = cds.slice(start, start + 100);
    // Every other read from the minus strand, as a sequencer gives them.
    const seq = reads.length % 2 === 0 ? read : reverseComplement(read);
    reads.push(`@read${reads.length + 1}\n${seq}\n+\n${'I'.repeat(100)}\n`);
  }
  readsFastq = path.join(h.inputsDir, 'hbb_reads.fq.gz');
  await fs.writeFile(readsFastq, gzipSync(reads.join('')));
  hand = await runByHand(
    { 'inputs/globins45.fa': globins, 'inputs/hbb_cds.fa': cdsFasta, 'inputs/hbb_reads.fq.gz': readsFastq, 'inputs/hbb_human.fa': hbb },
    [
      'diamond makedb --in inputs/globins45.fa -d g --threads 1 2> /dev/null',
      'diamond blastx -q inputs/hbb_cds.fa -d g.dmnd --threads 1 -o hits.tsv 2> /dev/null',
      'diamond blastx -q inputs/hbb_reads.fq.gz -d g.dmnd --threads 1 -o reads.tsv 2> /dev/null',
      'diamond blastp -q inputs/hbb_human.fa -d g.dmnd --threads 1 -o protein.tsv 2> /dev/null',
    ].join('\n'),
  );
  await runTool(h, 'diamond_makedb', { input: globins, name: 'globins45' });
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

const read = (result: ToolResult) => fs.readFile(outputPath(result, 'hits.tsv'), 'utf8');
const byHand = async (name: string) => String(await hand.file(name));
const rows = (tsv: string) => tsv.trimEnd().split('\n').map((line) => line.split('\t'));

describe('diamond_blastx_async', () => {
  let cds: ToolResult;

  it('translates a coding sequence on either strand, to the bytes diamond blastx writes by hand', async () => {
    cds = await runTool(h, 'diamond_blastx', { query: cdsFasta, database: 'globins45' });
    expect(cds.steps).toEqual([
      {
        label: 'searching',
        pipeline: [['diamond', 'blastx', '--query', 'inputs/hbb_cds.fa', '--db', `${h.config.dbDir}/globins45.dmnd`, '--out', 'hits.tsv', '--outfmt', '6', '--threads', '1', '--tmpdir', 'tmp']],
        stdout: null,
      },
    ]);
    const hits = await read(cds);
    expect(hits).toBe(await byHand('hits.tsv'));
    const [plus, minus] = [rows(hits).filter((r) => r[0] === 'HBB_HUMAN_cds'), rows(hits).filter((r) => r[0] === 'HBB_HUMAN_rc')];
    // The translation is HBB_HUMAN: the same 23 subjects and identities as diamond blastp of the protein.
    const protein = rows(await byHand('protein.tsv'));
    expect(protein).toHaveLength(23);
    for (const strand of [plus, minus]) expect(strand.map((r) => [r[1], r[2]])).toEqual(protein.map((r) => [r[1], r[2]]));
    expect(plus[0]!.slice(0, 8)).toEqual(['HBB_HUMAN_cds', 'HBB_CALAR', '96.6', '146', '5', '0', '1', String(cdsLength)]);
    // On the minus strand the query coordinates run backwards.
    expect(minus[0]!.slice(0, 8)).toEqual(['HBB_HUMAN_rc', 'HBB_CALAR', '96.6', '146', '5', '0', String(cdsLength), '1']);
    expect(cds.summary).toMatchObject({ hit_count: 46, hsp_count: 46, queries_with_hits: 2 });
    expect((cds.summary.top_hits as { subject: string }[])[0]).toMatchObject({ query: 'HBB_HUMAN_cds', subject: 'HBB_CALAR', percent_identity: 96.6 });
  });

  it('reads gzipped FASTQ reads itself, against protein FASTA given as the database', async () => {
    const result = await runTool(h, 'diamond_blastx', { query: readsFastq, database: globins });
    expect(result.command.slice(0, 4)).toEqual(['diamond', 'blastx', '--query', 'inputs/hbb_reads.fq.gz']);
    expect(result.indexes).toMatchObject([{ input: 'database', kind: 'diamond', reused: false }]);
    const hits = await read(result);
    expect(hits).toBe(await byHand('reads.tsv'));
    // Each of the 9 reads finds globins; on the reads from the minus strand (even numbers) the query coordinates run backwards.
    expect(new Set(rows(hits).map((r) => r[0])).size).toBe(9);
    for (const r of rows(hits)) expect(Number(r[6]) > Number(r[7]), r.join(' ')).toBe(Number(r[0]!.slice(4)) % 2 === 0);
  });

  it('gives the same bytes with two threads as with one', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2' } });
    try {
      // The same files, inside this server's own input folder.
      const [cds2, reads2] = [path.join(two.inputsDir, 'hbb_cds.fa'), path.join(two.inputsDir, 'hbb_reads.fq.gz')];
      await fs.copyFile(cdsFasta, cds2);
      await fs.copyFile(readsFastq, reads2);
      const both = await runTool(two, 'diamond_blastx', { query: cds2, database: globins });
      expect(both.command.join(' ')).toContain('--threads 2 ');
      expect(await read(both)).toBe(await byHand('hits.tsv'));
      const reads = await runTool(two, 'diamond_blastx', { query: reads2, database: globins });
      expect(await read(reads)).toBe(await byHand('reads.tsv'));
    } finally {
      await two.close();
    }
  });
});

describe('diamond_blastx_async on bad input', () => {
  it('refuses a protein query before diamond runs (diamond exits 1 on it), once', async () => {
    const failed = await runToolToFailure(h, 'diamond_blastx', { query: hbb, database: 'globins45' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'query',
      message: 'query: record 1 (HBB_HUMAN) looks like protein, not nucleotide: 30% of its letters are not nucleotide codes (ACGTUN or IUPAC ambiguity codes)',
    });
    expect(failed.error.command).toBeUndefined();
    await expectNoWorkLeft(h);
  });

  it('names a database that does not exist', async () => {
    const failed = await runToolToFailure(h, 'diamond_blastx', { query: cdsFasta, database: 'globins' });
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'database', message: 'database: no DIAMOND database "globins"; list_databases shows what exists' });
    await expectNoWorkLeft(h);
  });
});
