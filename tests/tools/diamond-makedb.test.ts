// diamond_makedb through the MCP server on the globin fixture, against the same commands typed
// by hand (`diamond makedb --in globins45.fa -d g`, then `diamond dbinfo -d g.dmnd`): the
// published database and the dbinfo report are the same bytes (neither holds a path, a date or
// the thread count), the summary gives the counts diamond itself printed while building.
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { callError, callOk, FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { expectNoWorkLeft, outputPath, runTool, runToolToFailure, type ToolResult } from '../support/tool-jobs.js';

const globins = path.join(FIXTURES, 'globins45.fa');

let h: Harness;
let hand: ByHand;

beforeAll(async () => {
  h = await startHarness();
  hand = await runByHand(
    { 'inputs/globins45.fa': globins },
    ['diamond makedb --in inputs/globins45.fa -d g --threads 1 2> makedb.log', 'diamond dbinfo -d g.dmnd > dbinfo.txt'].join('\n'),
  );
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

const published = (harness: Harness, name: string) => fs.readFile(path.join(harness.config.dbDir, `${name}.dmnd`));

describe('diamond_makedb_async', () => {
  let first: ToolResult;

  it('publishes the database diamond makedb builds by hand, byte for byte', async () => {
    first = await runTool(h, 'diamond_makedb', { input: globins, name: 'globins45' });
    expect(first.steps).toEqual([
      { label: 'building the database', pipeline: [['diamond', 'makedb', '--in', 'inputs/globins45.fa', '--db', 'db/globins45.dmnd', '--threads', '1']], stdout: null },
      { label: 'describing the database', pipeline: [['diamond', 'dbinfo', '--db', 'db/globins45.dmnd']], stdout: 'dbinfo.txt' },
    ]);
    expect(first.command).toEqual(first.steps[0]!.pipeline[0]);
    expect(first.tool_version).toBe('2.1.3');
    expect(first.files.map((f) => f.name)).toEqual(['dbinfo.txt']);
    expect((await published(h, 'globins45')).equals(await hand.file('g.dmnd'))).toBe(true);
    expect(await fs.readFile(outputPath(first, 'dbinfo.txt'), 'utf8')).toBe(String(await hand.file('dbinfo.txt')));
    // Only the .dmnd reaches the databases folder, with the hidden record of the job that published it.
    expect((await fs.readdir(h.config.dbDir)).sort()).toEqual(['.globins45.diamond.published-by', 'globins45.dmnd']);
    expect(await fs.readFile(path.join(h.config.dbDir, '.globins45.diamond.published-by'), 'utf8')).toBe(`${first.job_id}\n`);
  });

  it('summarises with the counts diamond makedb printed by hand', async () => {
    const log = String(await hand.file('makedb.log'));
    const count = (label: string) => Number(new RegExp(`^\\s*${label}\\s+(\\d+)$`, 'm').exec(log)![1]);
    expect(first.summary).toEqual({ database: 'globins45', sequences: count('Database sequences'), letters: count('Database letters') });
    expect(first.summary).toEqual({ database: 'globins45', sequences: 45, letters: 6519 });
  });

  it('lists the new database by name and kind', async () => {
    const listed = await callOk<{ databases: Record<string, unknown>[] }>(h.client, 'list_databases');
    const size = (await fs.stat(path.join(h.config.dbDir, 'globins45.dmnd'))).size;
    expect(listed.databases).toEqual([{ name: 'globins45', kind: 'diamond', title: 'DIAMOND database', size_bytes: size }]);
  });

  it('reads gzip input itself, to the same database', async () => {
    const gz = path.join(h.inputsDir, 'globins45.fa.gz');
    await fs.writeFile(gz, gzipSync(await fs.readFile(globins)));
    const result = await runTool(h, 'diamond_makedb', { input: gz, name: 'globins45_gz' });
    expect(result.command).toContain('inputs/globins45.fa.gz');
    expect((await published(h, 'globins45_gz')).equals(await hand.file('g.dmnd'))).toBe(true);
  });

  it('builds the same bytes with two threads as with one', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2' } });
    try {
      const result = await runTool(two, 'diamond_makedb', { input: globins, name: 'globins45' });
      expect(result.command.slice(-2)).toEqual(['--threads', '2']);
      expect((await published(two, 'globins45')).equals(await hand.file('g.dmnd'))).toBe(true);
    } finally {
      await two.close();
    }
  });
});

describe('diamond_makedb_async on bad input', () => {
  it('refuses a name that is taken, once, before diamond runs, and leaves the database as it was', async () => {
    const before = await published(h, 'globins45');
    const failed = await runToolToFailure(h, 'diamond_makedb', { input: path.join(FIXTURES, 'hbb_human.fa'), name: 'globins45' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'name', message: 'name: database "globins45" already exists; choose another name' });
    expect(failed.error.command).toBeUndefined();
    expect((await published(h, 'globins45')).equals(before)).toBe(true);
    await expectNoWorkLeft(h);
  });

  it('refuses DNA before diamond runs, publishing nothing', async () => {
    const failed = await runToolToFailure(h, 'diamond_makedb', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'input',
      message: 'input: record 1 (gi|9626243|ref|NC_001416.1|) looks like nucleotide, not protein: 100% of its letters are A, C, G, T, U or N',
    });
    expect(failed.error.command).toBeUndefined();
    expect(await fs.readdir(h.config.dbDir)).not.toContain('lambda.dmnd');
    await expectNoWorkLeft(h);
  });

  it('refuses a file that is not FASTA before diamond runs (diamond would exit 1 on it too)', async () => {
    const failed = await runToolToFailure(h, 'diamond_makedb', { input: path.join(FIXTURES, 'bad', 'not_fasta.txt'), name: 'notes' });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'input',
      message: 'input: not FASTA: line 1 should be a header starting with ">" but reads "this is not a FASTA file"',
    });
    expect(failed.error.command).toBeUndefined();
    await expectNoWorkLeft(h);
  });

  it('refuses an empty file at submit', async () => {
    const empty = path.join(FIXTURES, 'bad', 'empty.fa');
    expect(await callError(h.client, 'diamond_makedb_async', { input: empty, name: 'empty' })).toBe(`input_invalid: input: "${empty}" is an empty file`);
  });
});
