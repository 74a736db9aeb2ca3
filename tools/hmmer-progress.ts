// Progress of a HMMER search, read from its main report: hmmsearch and hmmscan print nothing on
// stderr, but the report gets one block per query (a profile for hmmsearch, a sequence for
// hmmscan), each ending in a line "//". Counting those lines counts finished queries.
import type { ProgressSpec, ProgressTracker } from './define-tool.js';
import { lineByLine } from './line-by-line.js';
import { REPORT } from './hmmer-outputs.js';

export function createQueryBlockTracker(): ProgressTracker {
  let done = 0;
  const feed = lineByLine((line) => {
    if (line === '//') done += 1;
  });
  return { feed, done: () => done };
}

/** Queries finished out of the records of the input that holds them. */
export function queryProgress(queries: string, unit: string): ProgressSpec {
  return { from: { file: REPORT }, of: { inputs: [queries], count: 'records' }, unit, tracker: createQueryBlockTracker };
}
