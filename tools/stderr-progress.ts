// Progress read from the per-batch lines aligners print on stderr ("Processed 4000 reads",
// "mapped 4000 sequences"): the numbers a pattern captures, summed, against the records of the
// reads given.
import type { ProgressTracker } from './define-tool.js';

/** A tracker that adds up the first capture group of every stderr line the pattern matches. */
export function sumOnStderr(pattern: RegExp): () => ProgressTracker {
  return () => {
    let carry = '';
    let done = 0;
    return {
      feed(chunk) {
        const lines = (carry + chunk).split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) {
          const m = pattern.exec(line);
          if (m) done += Number(m[1]);
        }
      },
      done: () => done,
    };
  };
}
