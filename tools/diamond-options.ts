// Parameter schemas shared by diamond_blastp and diamond_blastx. Options left out are not passed,
// so DIAMOND's own defaults apply (E-value 0.001, 25 targets per query, its default mode), as
// in the plain command typed by hand.
import { z } from 'zod';
import { inputReference } from './common-options.js';

const proteins = inputReference('protein sequences to search against (FASTA, gzip allowed), made into a DIAMOND database on first use and cached for later jobs');

/** A DIAMOND database name, or a protein FASTA given in its place (see diamondDatabase.asIndex). */
export const databaseOrProteins = proteins.describe(
  `The database to search: the name of a DIAMOND database from list_databases (built with diamond_makedb_async, e.g. "globins45"), or ${proteins.description ?? ''}`,
);

export const evalue = z
  .number()
  .positive({ message: 'must be greater than 0' })
  .max(1000, { message: 'must be at most 1000' })
  .optional()
  .describe('Report alignments with an E-value at or below this (DIAMOND --evalue; default 0.001, much stricter than BLAST\'s 10; 1e-5 is a common strict cut-off).');

export const maxTargetSeqs = z
  .number()
  .int({ message: 'must be a whole number' })
  .min(0, { message: 'must be 0 (every hit) or more' })
  .max(100_000, { message: 'must be at most 100000' })
  .optional()
  .describe('Most database sequences to report per query (DIAMOND --max-target-seqs; default 25; 0 reports every hit found).');

const SENSITIVITY_MODES = ['faster', 'fast', 'mid-sensitive', 'sensitive', 'more-sensitive', 'very-sensitive', 'ultra-sensitive'] as const;

export const sensitivity = z
  .enum(SENSITIVITY_MODES, { message: `must be one of ${SENSITIVITY_MODES.map((m) => `"${m}"`).join(', ')}` })
  .optional()
  .describe(
    'DIAMOND sensitivity mode, fastest first: faster, fast, mid-sensitive, sensitive, more-sensitive, very-sensitive, ultra-sensitive (passed as --<mode>). ' +
      'Left out: DIAMOND\'s default mode (between fast and mid-sensitive), tuned for hits above about 70% identity; "sensitive" suits hits above 40%, "very-sensitive" and "ultra-sensitive" the whole range, at much more time.',
  );
