// fastp's only running signal: with --verbose (-V) its loader logs "[hh:mm:ss] loaded 2M reads"
// (single-end) or "[hh:mm:ss] Read1: loaded 2M reads" (pairs) at each million reads read. The
// loader runs at most 500 packs of 1,000 reads ahead of the processing threads, so the count
// leads the work by up to 500,000 reads: coarse, but fastp's own, and it moves on large files,
// where a job runs for minutes. -V changes nothing but stderr (the outputs are fastp's
// without it). Read2's lines are skipped: the units are the reads of reads_1.
import type { ProgressTracker } from './define-tool.js';
import { lineByLine } from './line-by-line.js';

const LOADED = /^\[\d\d:\d\d:\d\d\] (?:Read1: )?loaded (\d+)M reads\b/;

export function fastpLoadedReads(): ProgressTracker {
  let done = 0;
  const feed = lineByLine((line) => {
    const m = LOADED.exec(line);
    if (m) done = Math.max(done, Number(m[1]) * 1_000_000);
  });
  return { feed, done: () => done };
}
