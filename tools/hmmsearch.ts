// hmmsearch: one or more profile HMMs searched against a set of protein sequences, writing the
// main report and the per-sequence and per-domain tables. Its tables and report come out the
// same for any --cpu (see its test), so the worker's thread count is passed as it is.
import { z } from 'zod';
import { GiB, inputReference } from './common-options.js';
import { defineTool } from './define-tool.js';
import { hmmerBinary } from './hmmer-kinds.js';
import { CUTOFF_WITH_EVALUE, cutoffAlone, missingCutoffRule, thresholdArgs, thresholdOptions } from './hmmer-options.js';
import { hmmerOutputs, OUTPUT_ARGS } from './hmmer-outputs.js';
import { queryProgress } from './hmmer-progress.js';
import { summarizeHmmerTables } from './hmmer-summary.js';

const input = z
  .strictObject({
    profile: inputReference(
      'Profile HMM file in HMMER3 format (from hmmbuild, or a Pfam family such as PF00041); with several models, each is searched in turn (gzip allowed)',
      'the profile text itself (starting with "HMMER3/")',
    ),
    sequences: inputReference('Protein sequences to search (FASTA, gzip allowed)'),
    ...thresholdOptions,
  })
  .refine(cutoffAlone, { message: CUTOFF_WITH_EVALUE, path: ['cutoff'] });

export const hmmsearch = defineTool({
  name: 'hmmsearch',
  title: 'hmmsearch: find the sequences a profile HMM matches',
  description:
    'Search protein sequences with one or more profile HMMs (HMMER3 hmmsearch) to find every sequence that carries a domain or belongs to a family, e.g. all globins of a proteome. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary (best hits with E-value, score, bias, description, and their domains with positions) and links to the report and the --tblout and --domtblout tables. ' +
    'profile: an HMMER3 profile file (hmmbuild output, a Pfam family; several models allowed); sequences: protein FASTA; each a file path inside the allowed input folders, a URL, an upload:// reference or job://<job_id>/<file> from an earlier job. ' +
    'Optional evalue, domain_evalue or cutoff ("gathering" for Pfam) set the thresholds; HMMER defaults otherwise. To find the domains of a few sequences in a whole library such as Pfam, use hmmscan_async.',
  queue: 'hmm',
  binaries: [hmmerBinary('hmmsearch')],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input,
  inputs: [
    { param: 'profile', formats: ['hmm'] },
    { param: 'sequences', formats: ['fasta'], residues: 'protein' },
  ],
  steps: (p, ctx) => [
    {
      label: 'searching',
      pipeline: [['hmmsearch', ...OUTPUT_ARGS, '--cpu', String(ctx.threads), ...thresholdArgs(p), ctx.input('profile'), ctx.input('sequences')]],
      progress: queryProgress('profile', 'query profiles'),
    },
  ],
  outputs: () => hmmerOutputs(),
  errors: [missingCutoffRule('profile')],
  summarize: async (_p, outputs, facts) => ({
    query_profiles: facts.profile?.records ?? null,
    target_sequences: facts.sequences?.records ?? null,
    ...(await summarizeHmmerTables(outputs)),
  }),
  limits: { maxOutputBytes: 20 * GiB },
});
