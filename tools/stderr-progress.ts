// Progress read from the per-batch lines aligners print on stderr ("Processed 4000 reads",
// "mapped 4000 sequences"): the numbers a pattern captures, summed, against the records of the
// reads given.
import type { ProgressTracker } from './define-tool.js';
import { lineByLine } from './line-by-line.js';

/** A tracker that adds up the first capture group of every stderr line the pattern matches. */
export function sumOnStderr(pattern: RegExp): () => ProgressTracker {
  return () => {
    let done = 0;
    const feed = lineByLine((line) => {
      const m = pattern.exec(line);
      if (m) done += Number(m[1]);
    });
    return { feed, done: () => done };
  };
}
