// MAFFT: a multiple sequence alignment of nucleotide or protein sequences, as aligned FASTA, with
// the strategy chosen by name (--auto by default, which picks one from the input's size). mafft
// is a shell script that starts other programs: the worker's process groups stop all of them.
import { z } from 'zod';
import { GiB, inputReference } from './common-options.js';
import { defineTool, type BinarySpec } from './define-tool.js';
import { mafftProgress } from './mafft-progress.js';
import { summarizeAlignment } from './msa-summary.js';

export const mafftBinary: BinarySpec = {
  name: 'mafft',
  // "v7.505 (2022/Apr/10)", on stderr.
  versionArgs: ['--version'],
  versionPattern: /^v(\S+)/m,
  install: { apt: 'mafft', brew: 'mafft', conda: 'bioconda mafft' },
};

/** The strategies of the mafft manual, as the options its linsi/ginsi/einsi scripts pass. */
export const STRATEGIES = {
  auto: ['--auto'],
  linsi: ['--localpair', '--maxiterate', '1000'],
  ginsi: ['--globalpair', '--maxiterate', '1000'],
  einsi: ['--ep', '0', '--genafpair', '--maxiterate', '1000'],
  fftns2: ['--retree', '2'],
} as const;

const ALIGNMENT = 'alignment.fa';
const LOG = 'mafft.log';

const input = z.strictObject({
  sequences: inputReference('Sequences to align (nucleotide or protein FASTA, 2 or more; gzip allowed)'),
  strategy: z
    .enum(['auto', 'linsi', 'ginsi', 'einsi', 'fftns2'], { message: 'must be one of "auto", "linsi", "ginsi", "einsi", "fftns2"' })
    .default('auto')
    .describe(
      'auto (default: mafft --auto picks by size), linsi (L-INS-i: most accurate, one conserved domain, up to ~200 sequences), ' +
        'ginsi (G-INS-i: global homology, similar lengths), einsi (E-INS-i: several conserved motifs in long unalignable regions), ' +
        'fftns2 (FFT-NS-2: fast, thousands of sequences; mafft\'s own default).',
    ),
});

export const mafft = defineTool({
  name: 'mafft',
  title: 'MAFFT: multiple sequence alignment',
  description:
    'Align many nucleotide or protein sequences to each other (a multiple sequence alignment) with MAFFT, for phylogenetics, conserved sites or primer design. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary (sequences, columns, gap %, the strategy used) and a link to the aligned FASTA. ' +
    'sequences: FASTA text, a file path inside the allowed input folders, a URL, an upload:// reference or job://<job_id>/<file> from an earlier job. ' +
    'strategy: auto (default), linsi (most accurate), ginsi, einsi, fftns2 (fastest).',
  queue: 'msa',
  binaries: [mafftBinary],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input,
  inputs: [{ param: 'sequences', formats: ['fasta'], residues: 'any' }],
  steps: (p, ctx) => [
    {
      label: 'aligning',
      pipeline: [['mafft', ...STRATEGIES[p.strategy], '--thread', String(ctx.threads), ctx.input('sequences')]],
      stdout: ALIGNMENT,
      stderr: LOG,
      progress: { from: 'stderr', unit: 'per mille', tracker: mafftProgress },
    },
  ],
  outputs: () => [
    { name: ALIGNMENT, mediaType: 'text/x-fasta' },
    { name: LOG, mediaType: 'text/plain' },
  ],
  summarize: async (_p, outputs) => ({ ...(await summarizeAlignment(outputs, ALIGNMENT, LOG)) }),
  limits: { maxOutputBytes: 50 * GiB },
});
