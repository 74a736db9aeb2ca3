// Builds the catalog entry of one BLAST+ search program from what differs between programs
// (query and database kinds, tasks, word sizes, wording); everything else is shared here.
import { z } from 'zod';
import { defineTool, type AnyToolDefinition, type Residues } from './define-tool.js';
import { createQueryOrderTracker } from './blast-progress.js';
import { summarizeBlastOutput } from './blast-summary.js';
import { OUTPUT_FORMATS, searchOptions, wordSize } from './blast-options.js';
import { blastBinary, blastDbKind } from './blast-kinds.js';
import { GiB, inputReference } from './common-options.js';
import { splitOption } from './split-option.js';

export interface BlastProgramSpec<Task extends string> {
  program: 'blastn' | 'blastp' | 'blastx' | 'tblastn' | 'tblastx';
  title: string;
  description: string;
  queryKind: Exclude<Residues, 'any'>;
  dbtype: 'nucl' | 'prot';
  /** The program's -task values, default first; empty when the program has none. */
  tasks: readonly Task[];
  wordSizeRange: readonly [number, number];
}

function searchSchema<Task extends string>(spec: BlastProgramSpec<Task>) {
  const query = inputReference(
    spec.queryKind === 'nucleotide' ? 'Nucleotide query sequences (FASTA)' : 'Protein query sequences (FASTA)',
  );
  const base = { query, ...searchOptions, word_size: wordSize(...spec.wordSizeRange), split: splitOption };
  if (spec.tasks.length === 0) return z.strictObject(base);
  const [first, ...rest] = spec.tasks;
  return z.strictObject({
    ...base,
    task: z
      .enum([first!, ...rest] as [Task, ...Task[]], { message: `must be one of ${spec.tasks.map((t) => `"${t}"`).join(', ')}` })
      .default(first!)
      .describe(`Search mode: ${spec.tasks.join(', ')} (default ${first}).`),
  });
}

export function defineBlastSearch<Task extends string>(spec: BlastProgramSpec<Task>): AnyToolDefinition {
  const input = searchSchema(spec);
  type Params = z.output<typeof input>;
  const database = blastDbKind(spec.dbtype);
  return defineTool({
    name: spec.program,
    title: spec.title,
    description: spec.description,
    queue: 'blast',
    binaries: [blastBinary(spec.program)],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    input,
    // BLAST reads neither FASTQ nor gzip; the ids let progress follow BLAST's query order.
    inputs: [{ param: 'query', formats: ['fasta'], residues: spec.queryKind, keepIds: true }],
    databases: [{ param: 'database', kind: database }],
    steps(p: Params, ctx) {
      const format = OUTPUT_FORMATS[p.output_format];
      const argv: string[] = [spec.program];
      const task = (p as { task?: string }).task;
      if (task !== undefined) argv.push('-task', task);
      argv.push('-query', ctx.input('query'), '-db', ctx.input('database'), '-evalue', String(p.evalue));
      argv.push('-max_target_seqs', String(p.max_target_seqs));
      if (p.word_size !== undefined) argv.push('-word_size', String(p.word_size));
      argv.push('-num_threads', String(ctx.threads), '-outfmt', format.outfmt, '-out', format.file);
      return [
        {
          label: 'searching',
          pipeline: [argv],
          // BLAST writes results batch by batch in query order: the output file tells how far it got.
          progress: {
            from: { file: format.file },
            of: { inputs: ['query'], count: 'records' },
            unit: 'query sequences',
            tracker: (ids) => createQueryOrderTracker(p.output_format, ids('query')),
          },
        },
      ];
    },
    outputs: (p: Params) => {
      const format = OUTPUT_FORMATS[p.output_format];
      return [{ name: format.file, mediaType: format.mediaType }];
    },
    errors: [
      {
        when: /No alias or index file found|BLAST Database error/i,
        field: 'database',
        message: (p) => `database "${String(p.database)}" not found; list_databases shows what exists`,
      },
    ],
    // blastn and friends write -out front to back as each batch of queries is done.
    summaryWhileRunning: () => true,
    summarize: async (p: Params, outputs) =>
      ({ ...(await summarizeBlastOutput(p.output_format, outputs.lineBatches(OUTPUT_FORMATS[p.output_format].file))) }),
    split: {
      input: 'query',
      format: (p) => (p as Params).output_format,
      // blastn -task blastn spends about 240 letters' worth on each query of its own (bench/RESULTS.md,
      // "Split-query BLAST by hand"); the other programs and tasks are not measured: letters alone.
      recordCost: (p) => ((p as { task?: string }).task === 'blastn' && spec.program === 'blastn' ? 240 : 0),
    },
    limits: { maxOutputBytes: 20 * GiB },
  });
}
