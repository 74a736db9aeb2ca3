// The DIAMOND search progress tracker, fed the stderr of real diamond runs on the globin
// fixtures: one pass per "Processing query block …" line, the total read off those lines, all
// done once diamond reports its alignments. A tiny --block-size (only here) splits the 45
// globins into 4 query blocks × 4 reference blocks, the case where the total grows per query block.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSearchPassTracker } from '../../tools/diamond-progress.js';
import { FIXTURES } from '../support/harness.js';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-diamond-progress-'));
  await execa('diamond', ['makedb', '--in', path.join(FIXTURES, 'globins45.fa'), '--db', path.join(dir, 'g.dmnd')]);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

// diamond's stderr for a search of the globins against themselves, with extra options.
async function searchStderr(...options: string[]): Promise<string> {
  const run = await execa('diamond', ['blastp', '--query', path.join(FIXTURES, 'globins45.fa'), '--db', path.join(dir, 'g.dmnd'), '--out', path.join(dir, 'hits.tsv'), '--threads', '1', ...options]);
  return run.stderr;
}

interface Seen {
  line: string;
  done: number;
  total: number | undefined;
}

// Feeds stderr 7 bytes at a time (lines arrive cut anywhere) and notes the tracker after each line.
function track(stderr: string): Seen[] {
  const tracker = createSearchPassTracker();
  const seen: Seen[] = [];
  const text = `${stderr}\n`;
  let line = '';
  for (let i = 0; i < text.length; i += 7) {
    const chunk = text.slice(i, i + 7);
    tracker.feed(chunk);
    for (const c of chunk) {
      if (c !== '\n') line += c;
      else {
        seen.push({ line, done: tracker.done(), total: tracker.total!() });
        line = '';
      }
    }
  }
  return seen;
}

const passes = (seen: Seen[]) => seen.filter((s) => s.line.startsWith('Processing query block'));

describe('createSearchPassTracker on real diamond stderr', () => {
  it('counts the passes of the default mode: 2 shapes × 4 index chunks, all done when diamond reports', async () => {
    const seen = track(await searchStderr());
    expect(passes(seen).map((s) => [s.done, s.total])).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => [n, 8]));
    expect(seen.find((s) => s.line.startsWith('Processing'))!.line).toBe('Processing query block 1, reference block 1/1, shape 1/2, index chunk 1/4.');
    const reported = seen.find((s) => s.line.startsWith('Reported '))!;
    expect(reported).toEqual({ line: 'Reported 855 pairwise alignments, 855 HSPs.', done: 8, total: 8 });
    // Nothing before the first pass: no total yet.
    expect(seen[0]).toMatchObject({ done: 0, total: undefined });
  });

  it('reads modes without index chunks ("shape 3/64.")', async () => {
    const seen = passes(track(await searchStderr('--ultra-sensitive')));
    expect(seen).toHaveLength(64);
    expect(seen[2]).toEqual({ line: 'Processing query block 1, reference block 1/1, shape 3/64.', done: 2, total: 64 });
  });

  it('adds a query block to the total when it starts, and never goes back within one', async () => {
    const seen = track(await searchStderr('--block-size', '0.000002'));
    const all = passes(seen);
    expect(all).toHaveLength(128);
    // Every line: the passes before it are done; the total covers the query blocks begun so far.
    all.forEach((s, i) => {
      const queryBlock = Number(/query block (\d+)/.exec(s.line)![1]);
      expect(s, s.line).toMatchObject({ done: i, total: queryBlock * 32 });
    });
    expect(all[32]!.line).toBe('Processing query block 2, reference block 1/4, shape 1/2, index chunk 1/4.');
    expect(seen.find((s) => s.line.startsWith('Reported '))).toEqual({ line: 'Reported 855 pairwise alignments, 855 HSPs.', done: 128, total: 128 });
  });
});
