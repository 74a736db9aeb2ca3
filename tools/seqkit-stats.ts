// seqkit stats: counts, lengths (quartiles, N50), gaps, Q20/Q30 and GC of one or more FASTA or
// FASTQ files, as seqkit's own table (stats.tsv) with the same rows as the summary. seqkit
// writes the rows in argument order whatever -j is, and names each file by the path it was
// given: the staged inputs/<file name>. It exits 0 on a malformed file, printing "[ERRO]" and
// leaving that row out, so the input check refuses such files first and failsOnStderr fails
// the job should one get past it.
import { z } from 'zod';
import { GiB, inputReferenceList } from './common-options.js';
import { defineTool, type BinarySpec } from './define-tool.js';
import { STATS_TSV, summarizeSeqkitStats } from './seqkit-stats-summary.js';

export const seqkitBinary: BinarySpec = {
  name: 'seqkit',
  // "seqkit v2.3.0" (Debian's 2.3.1 package says 2.3.0).
  versionArgs: ['version'],
  versionPattern: /^seqkit v(\S+)/m,
  install: { apt: 'seqkit', brew: 'seqkit', conda: 'bioconda seqkit' },
};

const input = z.strictObject({
  sequences: inputReferenceList(
    'FASTA or FASTQ files to measure (nucleotide or protein, gzip allowed), one table row each in this order',
    'the FASTA or FASTQ text itself (starting with ">" or "@")',
  ),
});

export const seqkitStats = defineTool({
  name: 'seqkit_stats',
  title: 'seqkit stats: sequence file statistics',
  description:
    'Measure one or more FASTA/FASTQ files with seqkit stats -a: number of sequences, total/min/mean/max length, length quartiles, N50, gap count, Q20/Q30 % (FASTQ) and GC %, one row per file. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result: the summary is the table itself (each row with the input it describes), and stats.tsv is the same table as a file. ' +
    'sequences: a list of inputs, each a file path inside the allowed input folders, a URL, an upload:// reference or job://<job_id>/<file> from an earlier job (e.g. job://<fastp job_id>/trimmed_1.fq.gz to see what trimming left), or the sequence text itself. ' +
    'Use it to check reads before and after trimming, or an assembly\'s N50.',
  queue: 'qc',
  binaries: [seqkitBinary],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input,
  inputs: [{ param: 'sequences', formats: ['fasta', 'fastq'], residues: 'any', readsGzip: true, list: true }],
  // seqkit prints nothing while it counts: progress is by step.
  steps: (_p, ctx) => [
    {
      label: 'counting',
      pipeline: [['seqkit', 'stats', '-a', '-T', '-j', String(ctx.threads), ...ctx.inputs('sequences')]],
      stdout: STATS_TSV,
    },
  ],
  outputs: () => [{ name: STATS_TSV, mediaType: 'text/tab-separated-values' }],
  // "\e[31m[ERRO]\e[0m inputs/x.fa: fastx: invalid FASTA/Q format", exit 0.
  failsOnStderr: /\[ERRO\]/,
  summarize: async (p, outputs) => summarizeSeqkitStats(outputs, p.sequences),
  limits: { maxOutputBytes: GiB },
});
