// The summaries and progress trackers of every output format, checked against real BLAST+
// output, with tabular (-outfmt 6) as the oracle; and every -task the catalog offers is one the
// installed BLAST+ accepts.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { createReadStream } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS, type OutputFormat } from '../../tools/blast-options.js';
import { createQueryOrderTracker } from '../../tools/blast-progress.js';
import { summarizeBlastOutput } from '../../tools/blast-summary.js';
import { catalog } from '../../tools/index.js';
import { FIXTURES } from '../support/harness.js';

let dir: string;
const FORMATS = Object.keys(OUTPUT_FORMATS) as OutputFormat[];

// The summary test and the progress test read the same search in each format: it runs once, on
// first use, and both read its output file (written whole before either reads it).
const searches = new Map<string, Promise<string>>();

function blast(program: string, query: string, db: string, format: OutputFormat): Promise<string> {
  const out = path.join(dir, `${program}-${db}-${path.basename(query)}.${OUTPUT_FORMATS[format].file}`);
  let search = searches.get(out);
  if (!search) {
    search = execa(program, ['-query', query, '-db', db, '-outfmt', OUTPUT_FORMATS[format].outfmt, '-out', out], { cwd: dir, env: { BLASTDB: dir } }).then(() => out);
    searches.set(out, search);
  }
  return search;
}

function lines(file: string): AsyncIterable<string> {
  return readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
}

// A line per batch: the summaries must not depend on where batches end.
async function* batches(file: string): AsyncIterable<string[]> {
  for await (const line of lines(file)) yield [line];
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-formats-'));
  await execa('makeblastdb', ['-in', path.join(FIXTURES, 'globins45.fa'), '-dbtype', 'prot', '-out', 'globins', '-parse_seqids'], { cwd: dir });
  await execa('makeblastdb', ['-in', path.join(FIXTURES, 'lambda_virus.fa'), '-dbtype', 'nucl', '-out', 'lambda', '-parse_seqids'], { cwd: dir });
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

describe.each([
  { program: 'blastp', query: 'hbb_human.fa', db: 'globins', queries: 1 },
  { program: 'blastn', query: 'lambda_queries.fa', db: 'lambda', queries: 20 },
])('$program summaries', ({ program, query, db, queries }) => {
  it('agree across tabular, json and xml', async () => {
    const summaries = [];
    for (const format of FORMATS) summaries.push(await summarizeBlastOutput(format, batches(await blast(program, path.join(FIXTURES, query), db, format))));
    const [tabular, json, xml] = summaries;
    expect(tabular!.hsp_count).toBeGreaterThan(0);
    for (const other of [json!, xml!]) {
      expect(other.hit_count).toBe(tabular!.hit_count);
      expect(other.hsp_count).toBe(tabular!.hsp_count);
      expect(other.queries_with_hits).toBe(tabular!.queries_with_hits);
      expect(other.top_hits.map((h) => h.query)).toEqual(tabular!.top_hits.map((h) => h.query));
      expect(other.top_hits.map((h) => h.alignment_length)).toEqual(tabular!.top_hits.map((h) => h.alignment_length));
      // Tabular rounds: bit scores to 3-4 significant digits, identity to 3 decimals.
      other.top_hits.forEach((h, i) => {
        const t = tabular!.top_hits[i]!;
        expect(Math.abs(h.bit_score - t.bit_score)).toBeLessThan(1);
        expect(Math.abs(h.percent_identity - t.percent_identity)).toBeLessThan(0.01);
        if (t.evalue === 0) expect(h.evalue).toBe(0);
        else expect(Math.abs(h.evalue - t.evalue) / t.evalue).toBeLessThan(0.01);
        expect(t.subject.startsWith(h.subject)).toBe(true);
      });
    }
    expect(tabular!.queries_with_hits).toBe(queries);
  });

  it('track progress to the last query in every format, fed in small chunks', async () => {
    const ids = (await fs.readFile(path.join(FIXTURES, query), 'utf8')).split('\n').filter((l) => l.startsWith('>')).map((l) => l.slice(1).split(/\s/)[0]!);
    expect(ids).toHaveLength(queries);
    for (const format of FORMATS) {
      const text = await fs.readFile(await blast(program, path.join(FIXTURES, query), db, format), 'utf8');
      const tracker = createQueryOrderTracker(format, ids);
      const seen: number[] = [];
      for (let i = 0; i < text.length; i += 97) {
        tracker.feed(text.slice(i, i + 97));
        seen.push(tracker.done());
      }
      expect(seen.at(-1), format).toBe(queries);
      expect([...seen].sort((a, b) => a - b), format).toEqual(seen);
    }
  });
});

describe('the -task values the catalog offers', () => {
  const cases = catalog.flatMap((tool) => {
    const task = (tool.input.shape as Record<string, { options?: readonly string[]; unwrap?: () => { options?: readonly string[] } }>).task;
    const options = task?.unwrap?.().options ?? [];
    return options.map((t) => ({ program: tool.binaries[0]!.name, task: t }));
  });

  it('covers every search program that has tasks', () => {
    expect(new Set(cases.map((c) => c.program))).toEqual(new Set(['blastn', 'blastp', 'blastx', 'tblastn']));
  });

  it.each(cases)('$program -task $task is accepted by the installed BLAST+', async ({ program, task }) => {
    const protein = program === 'blastp' || program === 'tblastn';
    const db = program === 'blastp' || program === 'blastx' ? 'globins' : 'lambda';
    const query = protein ? 'hbb_human.fa' : 'lambda_queries.fa';
    const result = await execa(program, ['-task', task, '-query', path.join(FIXTURES, query), '-db', db, '-outfmt', '6', '-max_target_seqs', '5'], {
      cwd: dir,
      env: { BLASTDB: dir },
      reject: false,
    });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.exitCode).toBe(0);
  });
});
