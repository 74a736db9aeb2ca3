// Splitting a FASTA query into parts of about equal letters, on real files: the parts put back
// together are the file's bytes, in order, records whole, sizes balanced; "auto" and a number
// choose the part count as documented.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { measureQuery, partCountFor, partStarts, splitQuery, SPLIT_DEFAULTS } from '../../worker/split-query.js';
import { FIXTURES } from '../support/harness.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-split-'));
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

const headersOf = (text: string) => text.split('\n').filter((l) => l.startsWith('>'));

async function concatenated(files: string[]): Promise<Buffer> {
  return Buffer.concat(await Promise.all(files.map((f) => fs.readFile(f))));
}

describe('partStarts', () => {
  it('balances letters: each record goes to the part its middle letter falls in', () => {
    expect(partStarts([10, 10, 10, 10], 2)).toEqual([0, 2]);
    expect(partStarts([30, 10, 10, 10], 2)).toEqual([0, 1]);
    expect(partStarts([1, 1, 1, 1, 1, 1], 3)).toEqual([0, 2, 4]);
  });

  it('gives every part a record, even when one record holds most letters', () => {
    expect(partStarts([1000, 1, 1], 3)).toEqual([0, 1, 2]);
    expect(partStarts([1, 1, 1000], 3)).toEqual([0, 1, 2]);
    expect(partStarts([0, 0, 0, 0], 2)).toEqual([0, 2]);
  });

  it('balances letters plus a cost per record when given one', () => {
    // Ten short records and two long ones: by letters alone the long ones make half.
    const lengths = [...Array(10).fill(10), 50, 50];
    expect(partStarts(lengths, 2)).toEqual([0, 10]);
    expect(partStarts(lengths, 2, 40)).toEqual([0, 7]);
  });

  it('refuses more parts than records', () => {
    expect(() => partStarts([5, 5], 3)).toThrow('parts must be a whole number from 1 to 2 (the records), got 3');
  });
});

describe('partCountFor', () => {
  const limits = { minPartLetters: 1000, maxParts: 4 };
  it('"auto" gives one part per minPartLetters letters, from 1 to maxParts', () => {
    expect(partCountFor('auto', { records: 100, letters: 999 }, limits)).toBe(1);
    expect(partCountFor('auto', { records: 100, letters: 2500 }, limits)).toBe(2);
    expect(partCountFor('auto', { records: 100, letters: 1_000_000 }, limits)).toBe(4);
    expect(partCountFor('auto', { records: 3, letters: 1_000_000 }, limits)).toBe(3);
  });
  it('a number is taken as asked, capped by the records', () => {
    expect(partCountFor(7, { records: 100, letters: 10 }, limits)).toBe(7);
    expect(partCountFor(7, { records: 5, letters: 10 }, limits)).toBe(5);
  });
  it('defaults to parts of at least 100,000 letters, at most 16, as the configuration does; BIO_QUEUE_SPLIT_* change them', () => {
    expect(SPLIT_DEFAULTS).toEqual({ minPartLetters: 100_000, maxParts: 16 });
    expect(loadConfig({ HOME: '/home/ada' }).split).toEqual(SPLIT_DEFAULTS);
    expect(loadConfig({ HOME: '/home/ada', BIO_QUEUE_SPLIT_MIN_PART_LETTERS: '5000', BIO_QUEUE_SPLIT_MAX_PARTS: '4' }).split).toEqual({ minPartLetters: 5000, maxParts: 4 });
    expect(() => loadConfig({ BIO_QUEUE_SPLIT_MAX_PARTS: '0' })).toThrow('BIO_QUEUE_SPLIT_MAX_PARTS');
  });
});

describe('splitQuery', () => {
  it('splits lambda_queries.fa into parts whose bytes, in order, are the file', async () => {
    const query = path.join(FIXTURES, 'lambda_queries.fa');
    const original = await fs.readFile(query);
    const measure = await measureQuery(query);
    expect(measure.records).toBe(20);
    const parts = await splitQuery(query, path.join(dir, 'lambda3'), { parts: 3 });
    expect(parts.map((p) => path.basename(p.path))).toEqual(['part-001.fa', 'part-002.fa', 'part-003.fa']);
    expect((await concatenated(parts.map((p) => p.path))).equals(original)).toBe(true);
    expect(parts.reduce((n, p) => n + p.records, 0)).toBe(20);
    expect(parts.reduce((n, p) => n + p.letters, 0)).toBe(measure.letters);
    for (const part of parts) {
      const text = await fs.readFile(part.path, 'utf8');
      expect(text.startsWith('>')).toBe(true);
      expect(headersOf(text)).toHaveLength(part.records);
      expect(text.split('\n').filter((l) => !l.startsWith('>')).join('').length).toBe(part.letters);
      // Within a record of the ideal third.
      expect(Math.abs(part.letters - measure.letters / 3)).toBeLessThanOrEqual(Math.max(...measure.recordLetters));
    }
  });

  it('keeps wrapped records whole, CRLF line ends and text before the first record, and counts letters not bytes', async () => {
    const query = path.join(dir, 'wrapped.fa');
    const text = '; a comment line\r\n>a one\r\nACGT\r\nAC\r\n>b two\r\nAAAAAAAAAA\r\nAAAAAAAAAA\r\n>c\r\nAC GT\r\n>d\r\nA\r\n';
    await fs.writeFile(query, text);
    const parts = await splitQuery(query, path.join(dir, 'wrapped'), { parts: 2 });
    expect(parts.map((p) => [p.records, p.letters])).toEqual([
      [1, 6],
      [3, 25],
    ]);
    expect(await fs.readFile(parts[0]!.path, 'utf8')).toBe('; a comment line\r\n>a one\r\nACGT\r\nAC\r\n');
    expect((await concatenated(parts.map((p) => p.path))).toString()).toBe(text);
  });

  it('streams a query larger than its read chunks, records cut across chunk edges', async () => {
    const query = path.join(dir, 'many.fa');
    const records: string[] = [];
    for (let i = 0; i < 5000; i++) records.push(`>q${i}\n${'ACGT'.repeat(5 + (i % 50))}\n`);
    await fs.writeFile(query, records.join(''));
    const parts = await splitQuery(query, path.join(dir, 'many'), { parts: 4 });
    expect((await concatenated(parts.map((p) => p.path))).toString()).toBe(records.join(''));
    const total = parts.reduce((n, p) => n + p.letters, 0);
    for (const part of parts) expect(Math.abs(part.letters - total / 4)).toBeLessThanOrEqual(220);
    expect(headersOf(await fs.readFile(parts[1]!.path, 'utf8'))[0]).toBe(`>q${parts[0]!.records}`);
  });

  it('gives one part per record when asked for more parts than records, and one part for one sequence', async () => {
    const query = path.join(FIXTURES, 'lambda_queries.fa');
    expect(await splitQuery(query, path.join(dir, 'fifty'), { parts: 50 })).toHaveLength(20);
    const one = await splitQuery(path.join(FIXTURES, 'hbb_human.fa'), path.join(dir, 'one'), { parts: 'auto' });
    expect(one).toHaveLength(1);
    expect(await fs.readFile(one[0]!.path, 'utf8')).toBe(await fs.readFile(path.join(FIXTURES, 'hbb_human.fa'), 'utf8'));
  });

  it('refuses a file with no record', async () => {
    const query = path.join(dir, 'empty.fa');
    await fs.writeFile(query, '\n\n');
    await expect(splitQuery(query, path.join(dir, 'empty'), { parts: 2 })).rejects.toThrow(`${query}: no FASTA record (no line starting with ">") to split`);
  });
});
