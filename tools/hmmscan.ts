// hmmscan: each protein sequence searched against a library of profile HMMs, writing the main
// report and the per-model and per-domain tables. The library is pressed (hmmpress) once: an HMM
// file once per content in the index cache, a library named from the databases folder where it
// lies. Results come out the same for any --cpu (see its test), so the worker's thread count is
// passed as it is.
import { z } from 'zod';
import { GiB, inputReference } from './common-options.js';
import { defineTool } from './define-tool.js';
import { hmmerBinary, hmmLibrary, hmmpressBinary, hmmpressIndex } from './hmmer-kinds.js';
import { CUTOFF_WITH_EVALUE, cutoffAlone, missingCutoffRule, thresholdArgs, thresholdOptions } from './hmmer-options.js';
import { hmmerOutputs, OUTPUT_ARGS } from './hmmer-outputs.js';
import { queryProgress } from './hmmer-progress.js';
import { summarizeHmmerTables } from './hmmer-summary.js';

const input = z
  .strictObject({
    sequences: inputReference('Protein sequences to annotate (FASTA, gzip allowed)'),
    profiles: inputReference(
      'Profile HMM library: the name of an HMM library in the databases folder (list_databases, kind "hmm", e.g. "Pfam-A"), or an HMM file of one or more models in HMMER3 format (gzip allowed)',
      'the profile text itself (starting with "HMMER3/")',
    ),
    ...thresholdOptions,
  })
  .refine(cutoffAlone, { message: CUTOFF_WITH_EVALUE, path: ['cutoff'] });

export const hmmscan = defineTool({
  name: 'hmmscan',
  title: 'hmmscan: find the domains of protein sequences in a profile HMM library',
  description:
    'Annotate protein sequences with the families and domains of a profile HMM library such as Pfam (HMMER3 hmmscan): which models each sequence matches, how many times, and where. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary (best hits with E-value, score, bias, description, and each domain with its position on the sequence) and links to the report and the --tblout and --domtblout tables. ' +
    'sequences: protein FASTA, a file path inside the allowed input folders, a URL, an upload:// reference or job://<job_id>/<file> from an earlier job. ' +
    'profiles: the name of an HMM library from list_databases (kind "hmm"), or an HMM file given like sequences; it is pressed with hmmpress on first use and cached, so later jobs start at once. ' +
    'Optional evalue, domain_evalue or cutoff ("gathering" for Pfam) set the thresholds; HMMER defaults otherwise. To search one profile against many sequences, use hmmsearch_async.',
  queue: 'hmm',
  binaries: [hmmerBinary('hmmscan'), hmmpressBinary],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input,
  inputs: [
    { param: 'sequences', formats: ['fasta'], residues: 'protein' },
    { param: 'profiles', formats: ['hmm'], indexes: () => [{ index: hmmpressIndex }], orDatabase: hmmLibrary },
  ],
  steps: (p, ctx) => [
    {
      label: 'scanning',
      pipeline: [['hmmscan', ...OUTPUT_ARGS, '--cpu', String(ctx.threads), ...thresholdArgs(p), ctx.index('profiles', hmmpressIndex), ctx.input('sequences')]],
      progress: queryProgress('sequences', 'query sequences'),
    },
  ],
  outputs: () => hmmerOutputs(),
  errors: [missingCutoffRule('profiles')],
  summarize: async (_p, outputs, facts) => ({
    query_sequences: facts.sequences?.records ?? null,
    // Models of an HMM file given; null for a library named from the databases folder, which is not read per job.
    profile_models: facts.profiles?.records ?? null,
    ...(await summarizeHmmerTables(outputs)),
  }),
  limits: { maxOutputBytes: 20 * GiB },
});
