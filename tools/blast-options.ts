// Parameter schemas shared by the BLAST+ programs. Each field says what it means in words an
// assistant can act on; values that reach argv are constrained so no shell or option injection
// is possible even though we never use a shell.
import { z } from 'zod';
import { databaseName as commonDatabaseName } from './common-options.js';

export const databaseName = commonDatabaseName.describe('Name of a BLAST database, as list_databases shows it (e.g. "lambda").');

export const evalue = z
  .number()
  .positive({ message: 'must be greater than 0' })
  .max(1000, { message: 'must be at most 1000' })
  .default(10)
  .describe('Expectation value threshold: report hits with an E-value at or below this (BLAST default 10; 1e-5 is a common strict cut-off).');

export const maxTargetSeqs = z
  .number()
  .int({ message: 'must be a whole number' })
  .min(1, { message: 'must be at least 1' })
  .max(5000, { message: 'must be at most 5000' })
  .default(500)
  .describe('Maximum number of database sequences to report per query (BLAST default 500).');

export const wordSize = (min: number, max: number) =>
  z
    .number()
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` })
    .optional()
    .describe(`Word size of the initial exact matches (${min}-${max}); leave unset for the program's default.`);

export const OUTPUT_FORMATS = {
  tabular: { outfmt: '6', file: 'hits.tsv', mediaType: 'text/tab-separated-values' },
  json: { outfmt: '15', file: 'hits.json', mediaType: 'application/json' },
  xml: { outfmt: '5', file: 'hits.xml', mediaType: 'application/xml' },
} as const;
export type OutputFormat = keyof typeof OUTPUT_FORMATS;

export const outputFormat = z
  .enum(['tabular', 'json', 'xml'], { message: 'must be "tabular", "json" or "xml"' })
  .default('tabular')
  .describe(
    'Output file format: "tabular" (the 12 standard columns of -outfmt 6: qseqid sseqid pident length mismatch gapopen qstart qend sstart send evalue bitscore), "json" (-outfmt 15) or "xml" (-outfmt 5).',
  );

/** Options every BLAST search program shares. */
export const searchOptions = {
  database: databaseName,
  evalue,
  max_target_seqs: maxTargetSeqs,
  output_format: outputFormat,
};
