// diamond_blastp through the MCP server on the globin fixtures, against the same commands typed
// by hand (`diamond makedb --in globins45.fa -d g`, then `diamond blastp -q hbb_human.fa -d
// g.dmnd`): hits.tsv is the same bytes (tabular output holds no path, date or command line),
// whether the database is named or given as FASTA (indexed once, cached: the cached .dmnd is
// the hand-built one, byte for byte). The summary is checked against the counts diamond itself
// reports ("Reported N pairwise alignments, N HSPs.", "N queries aligned.") and its first lines.
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { callError, callOk, FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { expectNoWorkLeft, outputPath, runTool, runToolToFailure, type ToolResult } from '../support/tool-jobs.js';

const globins = path.join(FIXTURES, 'globins45.fa');
const hbb = path.join(FIXTURES, 'hbb_human.fa');
/** sha256 of globins45.fa (fixtures/SHA256SUMS): the cache folder of its DIAMOND database. */
const GLOBINS_SHA256 = 'f22ab65168f200b80fc7c2d6e567c9ffe88f3ebd499fa93c31631e69ae7ed64c';
const OPTIONS = { sensitivity: 'sensitive', evalue: 1e-10, max_target_seqs: 5 } as const;

let h: Harness;
let hand: ByHand;

beforeAll(async () => {
  h = await startHarness();
  hand = await runByHand(
    { 'inputs/globins45.fa': globins, 'inputs/hbb_human.fa': hbb },
    [
      'diamond makedb --in inputs/globins45.fa -d g --threads 1 2> /dev/null',
      'diamond blastp -q inputs/hbb_human.fa -d g.dmnd --threads 1 -o hits.tsv 2> blastp.log',
      // Written to stdout, diamond prints nothing on stderr: the same hits as -o.
      'diamond blastp -q inputs/hbb_human.fa -d g.dmnd --threads 1 > stdout.tsv',
      'diamond blastp -q inputs/globins45.fa -d g.dmnd --threads 1 -o all.tsv 2> all.log',
      'diamond blastp -q inputs/globins45.fa -d g.dmnd --threads 1 --sensitive --evalue 1e-10 --max-target-seqs 5 -o options.tsv 2> /dev/null',
      'diamond blastp -q inputs/globins45.fa -d g.dmnd --threads 1 --evalue 10 --max-target-seqs 0 -o every.tsv 2> /dev/null',
    ].join('\n'),
  );
  // The named database the searches below use.
  await runTool(h, 'diamond_makedb', { input: globins, name: 'globins45' });
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

const read = (result: ToolResult) => fs.readFile(outputPath(result, 'hits.tsv'), 'utf8');
const byHand = async (name: string) => String(await hand.file(name));

// diamond's own counts at the end of its log.
async function reported(log: string) {
  const text = await byHand(log);
  const [, pairs, hsps] = /^Reported (\d+) pairwise alignments, (\d+) HSPs\.$/m.exec(text)!;
  const [, queries] = /^(\d+) queries aligned\.$/m.exec(text)!;
  return { hit_count: Number(pairs), hsp_count: Number(hsps), queries_with_hits: Number(queries) };
}

describe('diamond_blastp_async', () => {
  let named: ToolResult;

  it('searches a named database with the argv it shows, to the bytes diamond blastp writes by hand', async () => {
    named = await runTool(h, 'diamond_blastp', { query: hbb, database: 'globins45' });
    const argv = ['diamond', 'blastp', '--query', 'inputs/hbb_human.fa', '--db', `${h.config.dbDir}/globins45.dmnd`];
    argv.push('--out', 'hits.tsv', '--outfmt', '6', '--threads', '1', '--tmpdir', 'tmp');
    expect(named.steps).toEqual([{ label: 'searching', pipeline: [argv], stdout: null }]);
    expect(named.command).toEqual(argv);
    expect(named.tool_version).toBe('2.1.3');
    expect(named.indexes).toEqual([]);
    expect(named.files.map((f) => [f.name, f.media_type])).toEqual([['hits.tsv', 'text/tab-separated-values']]);
    const hits = await read(named);
    expect(hits).toBe(await byHand('hits.tsv'));
    expect(hits).toBe(await byHand('stdout.tsv'));
    // What the fixtures' README promises.
    expect(hits.trimEnd().split('\n')).toHaveLength(23);
    expect(hits.split('\n')[0]).toBe('HBB_HUMAN\tHBB_CALAR\t96.6\t146\t5\t0\t1\t146\t1\t146\t1.06e-105\t289');
  });

  it('takes the query inline or gzipped, to the same hits', async () => {
    const inline = await runTool(h, 'diamond_blastp', { query: await fs.readFile(hbb, 'utf8'), database: 'globins45' });
    expect(inline.command[3]).toBe('inputs/query.fa');
    expect(await read(inline)).toBe(await byHand('hits.tsv'));
    const gz = path.join(h.inputsDir, 'hbb_human.fa.gz');
    await fs.writeFile(gz, gzipSync(await fs.readFile(hbb)));
    const gzipped = await runTool(h, 'diamond_blastp', { query: gz, database: 'globins45' });
    expect(gzipped.command[3]).toBe('inputs/hbb_human.fa.gz');
    expect(await read(gzipped)).toBe(await byHand('hits.tsv'));
  });

  it("summarises with diamond's own counts and its first lines as the top hits", async () => {
    expect(named.summary).toMatchObject(await reported('blastp.log'));
    const lines = (await byHand('hits.tsv')).trimEnd().split('\n').slice(0, 10);
    expect(named.summary.top_hits).toEqual(
      lines.map((line) => {
        const c = line.split('\t');
        return { query: c[0], subject: c[1], percent_identity: Number(c[2]), alignment_length: Number(c[3]), evalue: Number(c[10]), bit_score: Number(c[11]) };
      }),
    );
    const all = await runTool(h, 'diamond_blastp', { query: globins, database: 'globins45' });
    expect(await read(all)).toBe(await byHand('all.tsv'));
    expect(all.summary).toMatchObject(await reported('all.log'));
    expect(all.summary).toMatchObject({ hit_count: 855, hsp_count: 855, queries_with_hits: 45 });
  });

  it('takes protein FASTA as the database, indexed once and cached: the same hits, the hand-built .dmnd', async () => {
    const first = await runTool(h, 'diamond_blastp', { query: hbb, database: globins });
    const cached = path.join(h.config.dbDir, 'indexes', GLOBINS_SHA256, 'reference.fa.dmnd');
    expect(first.command).toEqual(['diamond', 'blastp', '--query', 'inputs/hbb_human.fa', '--db', cached, '--out', 'hits.tsv', '--outfmt', '6', '--threads', '1', '--tmpdir', 'tmp']);
    expect(first.indexes).toEqual([{ input: 'database', kind: 'diamond', variant: null, sha256: GLOBINS_SHA256, reused: false, build_seconds: expect.any(Number) }]);
    expect(await read(first)).toBe(await byHand('hits.tsv'));
    expect((await fs.readFile(cached)).equals(await hand.file('g.dmnd'))).toBe(true);
    const listed = await callOk<{ indexes: Record<string, unknown>[] }>(h.client, 'list_databases');
    expect(listed.indexes).toEqual([
      { kind: 'diamond', variant: null, source_name: 'globins45.fa', sha256: GLOBINS_SHA256, size_bytes: (await fs.stat(cached)).size, built_at: expect.any(String) },
    ]);
  });

  it('passes sensitivity, evalue and max_target_seqs only when given, as diamond blastp takes them by hand', async () => {
    const result = await runTool(h, 'diamond_blastp', { query: globins, database: globins, ...OPTIONS });
    expect(result.command.slice(-5)).toEqual(['--sensitive', '--evalue', '1e-10', '--max-target-seqs', '5']);
    expect(result.indexes[0]).toMatchObject({ kind: 'diamond', reused: true, build_seconds: null });
    const hits = await read(result);
    expect(hits).toBe(await byHand('options.tsv'));
    expect(hits.trimEnd().split('\n')).toHaveLength(45 * 5);
  });

  it('reports every hit with max_target_seqs 0, as diamond -k 0 does', async () => {
    const result = await runTool(h, 'diamond_blastp', { query: globins, database: 'globins45', evalue: 10, max_target_seqs: 0 });
    expect(result.command.slice(-4)).toEqual(['--evalue', '10', '--max-target-seqs', '0']);
    const hits = await read(result);
    expect(hits).toBe(await byHand('every.tsv'));
    // More than the default 25 targets for some queries (up to 35 for HBA_COLLI).
    const perQuery = new Map<string, number>();
    for (const line of hits.trimEnd().split('\n')) perQuery.set(line.split('\t')[0]!, (perQuery.get(line.split('\t')[0]!) ?? 0) + 1);
    expect(Math.max(...perQuery.values())).toBe(35);
  });

  it('gives the same bytes with two threads as with one', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2' } });
    try {
      const plain = await runTool(two, 'diamond_blastp', { query: globins, database: globins });
      expect(plain.command.join(' ')).toContain('--threads 2 ');
      expect(await read(plain)).toBe(await byHand('all.tsv'));
      const options = await runTool(two, 'diamond_blastp', { query: globins, database: globins, ...OPTIONS });
      expect(await read(options)).toBe(await byHand('options.tsv'));
    } finally {
      await two.close();
    }
  });
});

describe('diamond_blastp_async on bad input', () => {
  it('refuses a DNA query before diamond runs, once', async () => {
    const failed = await runToolToFailure(h, 'diamond_blastp', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'globins45' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'query', message: 'query: record 1 (r1) looks like nucleotide, not protein: 100% of its letters are A, C, G, T, U or N' });
    expect(failed.error.command).toBeUndefined();
    await expectNoWorkLeft(h);
  });

  it('names a database that does not exist before diamond runs', async () => {
    const failed = await runToolToFailure(h, 'diamond_blastp', { query: hbb, database: 'nope' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'database', message: 'database: no DIAMOND database "nope"; list_databases shows what exists' });
    expect(failed.error.command).toBeUndefined();
    await expectNoWorkLeft(h);
  });

  it('refuses a database file that is not FASTA before anything is built', async () => {
    const failed = await runToolToFailure(h, 'diamond_blastp', { query: hbb, database: path.join(FIXTURES, 'bad', 'not_fasta.txt') });
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'database',
      message: 'database: not FASTA: line 1 should be a header starting with ">" but reads "this is not a FASTA file"',
    });
    await expectNoWorkLeft(h);
  });

  it('refuses an empty database file, and a name that cannot be one, at submit', async () => {
    const empty = path.join(FIXTURES, 'bad', 'empty.fa');
    expect(await callError(h.client, 'diamond_blastp_async', { query: hbb, database: empty })).toBe(`input_invalid: database: "${empty}" is an empty file`);
    expect(await callError(h.client, 'diamond_blastp_async', { query: hbb, database: 'globins 45' })).toBe(
      'input_invalid: database: expected an absolute file path inside the input roots, an http(s):// URL, an upload:// reference from create_upload_url, an s3://bucket/key, job://<job_id>/<file>, or the text itself, or a database name from list_databases (got "globins 45")',
    );
  });

  it("blames a database file diamond cannot read, with diamond's words", async () => {
    // What a makedb killed in the databases folder leaves: an empty .dmnd.
    await fs.writeFile(path.join(h.config.dbDir, 'broken.dmnd'), '');
    const failed = await runToolToFailure(h, 'diamond_blastp', { query: hbb, database: 'broken' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'database',
      message:
        'database: DIAMOND could not read "broken" as a database; rebuild it with diamond_makedb_async ' +
        '(diamond: Opening the database... Error: Error detecting input file format. First line seems to be blank.)',
    });
    await expectNoWorkLeft(h);
  });
});
