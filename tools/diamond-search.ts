// Builds the catalog entry of a DIAMOND search (blastp, blastx) from what differs between the
// two: the query's residues and formats and the wording. Both write the 12 BLAST tabular
// columns to hits.tsv, summarised as BLAST's are. Options left out are not passed (DIAMOND's own
// defaults apply); threads, the output file and where temporary files go are always given.
// DIAMOND's output does not depend on its thread count: the tests compare 1 and 2 threads, and
// 1 to 8 threads gave the same bytes on 1,500 queries against 4,000 proteins (blastp in four
// modes, blastx on both strands). What does change results is the block size (-b), never passed.
import { z } from 'zod';
import { summarizeBlastOutput } from './blast-summary.js';
import { GiB, inputReference } from './common-options.js';
import { defineTool, type AnyToolDefinition, type ErrorRule, type InputSpec } from './define-tool.js';
import { diamondBinary, diamondDatabase, diamondIndex } from './diamond-kinds.js';
import { databaseOrProteins, evalue, maxTargetSeqs, sensitivity } from './diamond-options.js';
import { createSearchPassTracker } from './diamond-progress.js';
import { splitOption } from './split-option.js';

export const HITS_TSV = 'hits.tsv';

export interface DiamondSearchSpec {
  program: 'blastp' | 'blastx';
  title: string;
  description: string;
  /** What the query parameter says it takes. */
  queryText: string;
  query: Omit<InputSpec, 'param'>;
  /** Known messages of this program that blame one input, before the shared ones. */
  errors?: readonly ErrorRule[];
}

// Diamond opens the database before anything else; a file it cannot read as one ends up here
// (a 0-byte .dmnd left by a makedb killed in the databases folder is read as an empty FASTA).
const UNREADABLE_DATABASE: ErrorRule = {
  when: /^Opening the database\.\.\. +Error: /,
  field: 'database',
  message: (p) => `database: DIAMOND could not read "${String(p.database)}" as a database; rebuild it with diamond_makedb_async`,
};

export function defineDiamondSearch(spec: DiamondSearchSpec): AnyToolDefinition {
  const input = z.strictObject({
    query: inputReference(spec.queryText, spec.query.formats.includes('fastq') ? 'the FASTA or FASTQ text itself (starting with ">" or "@")' : undefined),
    database: databaseOrProteins,
    evalue,
    max_target_seqs: maxTargetSeqs,
    sensitivity,
    split: splitOption,
  });
  type Params = z.output<typeof input>;
  return defineTool({
    name: `diamond_${spec.program}`,
    title: spec.title,
    description: spec.description,
    queue: 'blast',
    binaries: [diamondBinary],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    input,
    inputs: [
      { param: 'query', ...spec.query },
      // A DIAMOND database by name, or protein FASTA indexed once per content (decompressed first, like every cached reference).
      { param: 'database', formats: ['fasta'], residues: 'protein', orDatabase: diamondDatabase, indexes: () => [{ index: diamondIndex }] },
    ],
    steps(p: Params, ctx) {
      const argv = ['diamond', spec.program, '--query', ctx.input('query'), '--db', ctx.index('database', diamondIndex)];
      argv.push('--out', HITS_TSV, '--outfmt', '6', '--threads', String(ctx.threads), '--tmpdir', 'tmp');
      if (p.sensitivity !== undefined) argv.push(`--${p.sensitivity}`);
      if (p.evalue !== undefined) argv.push('--evalue', String(p.evalue));
      if (p.max_target_seqs !== undefined) argv.push('--max-target-seqs', String(p.max_target_seqs));
      return [
        {
          label: 'searching',
          pipeline: [argv],
          // Results are written at the end (kept in temporary files until then): stderr is the signal.
          progress: { from: 'stderr', unit: 'seed search passes', tracker: createSearchPassTracker },
        },
      ];
    },
    outputs: () => [{ name: HITS_TSV, mediaType: 'text/tab-separated-values' }],
    errors: [...(spec.errors ?? []), UNREADABLE_DATABASE],
    summarize: async (_p: Params, outputs) => ({ ...(await summarizeBlastOutput('tabular', outputs.lineBatches(HITS_TSV))) }),
    split: { input: 'query', format: () => 'tabular' },
    limits: { maxOutputBytes: 20 * GiB },
  });
}
