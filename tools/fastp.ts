// fastp: quality control and trimming of short reads (single or paired), giving the trimmed
// reads (gzip), fastp's JSON and HTML reports, and a summary read from the JSON. fastp 0.23.2
// hands packs of 1,000 reads to its threads in turn and writes them back in the same turn, so
// the trimmed reads are the same bytes whatever -w is; only the insert-size histogram of the
// reports (sampled from the first thread's packs alone) changes with it; the summary leaves it out.
// fastp exits 0 on malformed FASTQ and on mates of different lengths (or hangs, when one file
// is 500,000 reads longer), so the input checks refuse those first; failsOnStderr and the error
// rule still catch what fastp says about them should anything get past the checks.
import { z } from 'zod';
import { GiB, inputReference } from './common-options.js';
import { defineTool, type BinarySpec } from './define-tool.js';
import { fastpOptionArgs, fastpOptions } from './fastp-options.js';
import { fastpLoadedReads } from './fastp-progress.js';
import { FASTP_JSON, summarizeFastp } from './fastp-summary.js';

export const fastpBinary: BinarySpec = {
  name: 'fastp',
  // "fastp 0.23.2", on stderr.
  versionArgs: ['--version'],
  versionPattern: /^fastp (\S+)/m,
  install: { apt: 'fastp', brew: 'fastp', conda: 'bioconda fastp' },
};

export const TRIMMED_1 = 'trimmed_1.fq.gz';
export const TRIMMED_2 = 'trimmed_2.fq.gz';
export const FASTP_HTML = 'fastp.html';

const input = z.strictObject({
  reads_1: inputReference('Reads (FASTQ, gzip allowed); for paired-end data the first mates', 'the FASTQ text itself (starting with "@")'),
  reads_2: inputReference('Second mates of paired-end reads, in the same order as reads_1 (FASTQ, gzip allowed)', 'the FASTQ text itself').optional(),
  ...fastpOptions,
});

export const fastp = defineTool({
  name: 'fastp',
  title: 'fastp: read quality control and trimming',
  description:
    'Check and clean short sequencing reads (Illumina FASTQ, single or paired-end) with fastp: adapter trimming, quality and length filtering, with a QC report. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary (reads and bases before/after, Q20/Q30 %, GC %, reads failing each filter, adapter-trimmed reads, duplication rate) and download links. ' +
    'reads_1 (and reads_2 for pairs): FASTQ, gzip allowed; each a file path inside the allowed input folders, a URL, an upload:// reference or job://<job_id>/<file> from an earlier job. Left-out settings keep fastp\'s own defaults. ' +
    'Outputs: trimmed_1.fq.gz (and trimmed_2.fq.gz for pairs), fastp.json and fastp.html; job://<job_id>/trimmed_1.fq.gz can go straight into bwa_mem_async or seqkit_stats_async. fastp uses about 1 GB of memory even for small inputs.',
  queue: 'qc',
  binaries: [fastpBinary],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input,
  inputs: [
    { param: 'reads_1', formats: ['fastq'], residues: 'nucleotide', readsGzip: true },
    { param: 'reads_2', formats: ['fastq'], residues: 'nucleotide', readsGzip: true, optional: true, mateOf: 'reads_1' },
  ],
  steps: (p, ctx) => {
    const argv = ['fastp', '-i', ctx.input('reads_1')];
    if (ctx.has('reads_2')) argv.push('-I', ctx.input('reads_2'));
    argv.push('-o', TRIMMED_1);
    if (ctx.has('reads_2')) argv.push('-O', TRIMMED_2);
    argv.push('-j', FASTP_JSON, '-h', FASTP_HTML, ...fastpOptionArgs(p), '-w', String(ctx.threads), '-V');
    return [
      {
        label: 'trimming',
        pipeline: [argv],
        progress: { from: 'stderr', of: { inputs: ['reads_1'], count: 'records' }, unit: 'reads', tracker: fastpLoadedReads },
      },
    ];
  },
  // fastp 0.23.2 allocates and clears a 1 GB duplication table on every run, however small the
  // input: in 4 KB pages that is 262,144 page faults, seconds of CPU. glibc (2.35 on) asks the
  // kernel for transparent huge pages when told to, which Debian's default ("madvise") grants:
  // on the lambda pairs, about 3.5 s of CPU became 0.5-2 s (bench/RESULTS.md). Output is unchanged; an
  // older glibc or a kernel with huge pages off ignores it. Tunables the worker was started with
  // are kept (worker/step-environment.ts).
  env: () => ({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' }),
  outputs: (p) => [
    { name: TRIMMED_1, mediaType: 'application/gzip' },
    ...(p.reads_2 !== undefined ? [{ name: TRIMMED_2, mediaType: 'application/gzip' }] : []),
    { name: FASTP_JSON, mediaType: 'application/json' },
    { name: FASTP_HTML, mediaType: 'text/html' },
  ],
  errors: [
    {
      // fastp pairs reads pack by pack and, when one file runs out first, warns and stops there
      // (mateOf refuses such files before; this names the field should one get past it).
      when: /^WARNNIG: different read numbers/,
      field: 'reads_2',
      message: () => 'reads_2: holds a different number of reads than reads_1; the two files must hold the two mates of the same pairs, in the same order',
    },
  ],
  // "ERROR: sequence and quality have different length:" and the pairing warning above: fastp
  // prints them, writes what it could and exits 0.
  failsOnStderr: /^(ERROR:|WARNNIG: different read numbers)/,
  summarize: async (_p, outputs) => ({ ...(await summarizeFastp(outputs)) }),
  limits: { maxOutputBytes: 500 * GiB },
});
