// Progress of a DIAMOND search from its stderr, where it announces each pass of the seed search:
// "Processing query block 1, reference block 2/3, shape 1/2, index chunk 4/4." (modes with one
// index chunk leave that part out). Each line says how many reference blocks, shapes and index
// chunks there are, so the tracker knows its own total per query block. Query blocks are as
// large as reference blocks (2 billion letters by default) and their count is never announced:
// a query set that large adds a block's worth to the total when its next block starts.
import type { ProgressTracker } from './define-tool.js';
import { lineByLine } from './line-by-line.js';

const PASS = /^Processing query block (\d+), reference block (\d+)\/(\d+), shape (\d+)\/(\d+)(?:, index chunk (\d+)\/(\d+))?\.$/;
const REPORTED = /^Reported \d+ pairwise alignments/;

export function createSearchPassTracker(): ProgressTracker {
  let done = 0;
  let total: number | undefined;
  const feed = lineByLine((line) => {
    // "Reported 23 pairwise alignments, 23 HSPs." comes once, after the last pass.
    if (total !== undefined && REPORTED.test(line)) done = total;
    const m = PASS.exec(line.trimEnd());
    if (!m) return;
    const [query, block, blocks, shape, shapes, indexChunk, indexChunks] = m.slice(1).map((v) => Number(v ?? 1));
    const perQueryBlock = blocks! * shapes! * indexChunks!;
    // The pass that starts now is not done yet: the ones before it are.
    done = (query! - 1) * perQueryBlock + ((block! - 1) * shapes! + (shape! - 1)) * indexChunks! + (indexChunk! - 1);
    total = query! * perQueryBlock;
  });
  return { feed, done: () => done, total: () => total };
}
