// Builds the catalog entry of one BLAST+ search program from what differs between programs
// (query and database kinds, tasks, word sizes, wording); everything else is shared here.
import { z } from 'zod';
import { defineTool, type SequenceKind, type ToolDefinition } from './define-tool.js';
import { createQueryOrderTracker } from './blast-progress.js';
import { summarizeBlastOutput } from './blast-summary.js';
import { inputReference, OUTPUT_FORMATS, searchOptions, wordSize } from './blast-options.js';

const GiB = 1024 ** 3;

export interface BlastProgramSpec<Task extends string> {
  program: 'blastn' | 'blastp' | 'blastx' | 'tblastn' | 'tblastx';
  title: string;
  description: string;
  queryKind: SequenceKind;
  dbtype: 'nucl' | 'prot';
  /** The program's -task values, default first; empty when the program has none. */
  tasks: readonly Task[];
  wordSizeRange: readonly [number, number];
}

function searchSchema<Task extends string>(spec: BlastProgramSpec<Task>) {
  const query = inputReference(
    spec.queryKind === 'nucleotide' ? 'Nucleotide query sequences (FASTA)' : 'Protein query sequences (FASTA)',
  );
  const base = { query, ...searchOptions, word_size: wordSize(...spec.wordSizeRange) };
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

export function defineBlastSearch<Task extends string>(spec: BlastProgramSpec<Task>): ToolDefinition {
  const input = searchSchema(spec);
  type Params = z.output<typeof input>;
  return defineTool({
    name: spec.program,
    title: spec.title,
    description: spec.description,
    queue: 'blast',
    binary: spec.program,
    versionArgs: ['-version'],
    versionPattern: /: (\d+\.\d+\.\d+\+?)/,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    input,
    inputFiles: [{ param: 'query', kind: spec.queryKind, stagedName: 'query.fa' }],
    databaseParam: 'database',
    argv(p: Params, ctx) {
      const format = OUTPUT_FORMATS[p.output_format];
      const argv: string[] = [spec.program];
      const task = (p as { task?: string }).task;
      if (task !== undefined) argv.push('-task', task);
      argv.push('-query', ctx.files.query!, '-db', p.database, '-evalue', String(p.evalue));
      argv.push('-max_target_seqs', String(p.max_target_seqs));
      if (p.word_size !== undefined) argv.push('-word_size', String(p.word_size));
      argv.push('-num_threads', String(ctx.threads), '-outfmt', format.outfmt, '-out', format.file);
      return argv;
    },
    // -db takes a space-separated list, so a folder with a space in its path cannot go there;
    // BLASTDB names the folder instead and -db stays a bare name.
    env: (_p: Params, ctx) => ({ BLASTDB: ctx.dbDir }),
    outputs: (p: Params) => {
      const format = OUTPUT_FORMATS[p.output_format];
      return [{ name: format.file, mediaType: format.mediaType }];
    },
    progress: (p: Params) => ({
      file: OUTPUT_FORMATS[p.output_format].file,
      unitsOf: 'query',
      createTracker: (ids) => createQueryOrderTracker(p.output_format, ids),
    }),
    summarize: async (p: Params, outputs) =>
      ({ ...(await summarizeBlastOutput(p.output_format, outputs.lines(OUTPUT_FORMATS[p.output_format].file))) }),
    limits: { maxOutputBytes: 20 * GiB },
  }) as unknown as ToolDefinition;
}
