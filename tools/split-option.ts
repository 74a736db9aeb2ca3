// The `split` parameter of the searches that can run split-query (BLAST+ and DIAMOND): the query
// is cut into parts of about equal letters, each part searched as a job of its own on any free
// worker, and the parts' outputs merged in query order (worker/split-search.ts).
import { z } from 'zod';

/** Most parts a caller may ask for by number; "auto" is capped by BIO_QUEUE_SPLIT_MAX_PARTS. */
export const MAX_SPLIT_PARTS = 100;

export const splitOption = z
  .union(
    [
      z.literal('auto'),
      z
        .number()
        .int({ message: 'must be a whole number' })
        .min(1, { message: 'must be at least 1' })
        .max(MAX_SPLIT_PARTS, { message: `must be at most ${MAX_SPLIT_PARTS}` }),
    ],
    { message: `must be "auto" or a whole number of parts from 1 to ${MAX_SPLIT_PARTS}` },
  )
  .optional()
  .describe(
    `Optional, for a query of many sequences: split it into this many parts of about equal length (whole sequences, in order; at most one part per sequence), or "auto" (one part per so many letters, set by the server), each searched as a job of its own by any free worker, then merged in the original query order into the same output files: tabular the bytes of an unsplit run as measured (BLAST may still find or miss a hit near the E-value cut-off for a query at a part's edge, whose batch neighbours differ), JSON/XML one document with the same hits. Still one job id. Leave out (or 1) for one search.`,
  );

/** Whether the parameters ask for a split-query run. */
export function wantsSplit(params: Record<string, unknown>): boolean {
  const split = params.split;
  return split === 'auto' || (typeof split === 'number' && split > 1);
}
